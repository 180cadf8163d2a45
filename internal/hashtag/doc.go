// Package hashtag owns the hashtag rules of the leaderboard: which strings
// are hashtags, how they are extracted from post text, and the canonical form
// under which they are counted.
//
// # Characters
//
// The character rules follow X's open-source twitter-text library
// (HASHTAG_LETTERS_NUMERALS), so that this package agrees with the hashtag
// entities the X API returns:
//
//   - letters (\p{L}) and combining marks (\p{Mn}, \p{Mc}), which keeps
//     vowel signs and viramas of Devanagari, Thai, Sinhala etc. inside the
//     hashtag;
//   - decimal digits (\p{Nd}) of any script;
//   - underscore and twitter-text's special characters: ZWNJ U+200C,
//     ZWJ U+200D, U+A67E, U+05BE, U+05F3, U+05F4, U+FF5E, U+301C, U+309B,
//     U+309C, U+30A0, U+30FB, U+3003, U+0F0B, U+0F0C and U+00B7.
//
// Unlike twitter-text, enclosing marks (\p{Me}, e.g. the keycap U+20E3) are
// not hashtag characters: they turn what precedes them into a symbol, and
// twitter-text's rule makes "#1️⃣" a hashtag. So no keycap emoji is part of
// a hashtag.
//
// A hashtag must contain at least one letter or mark (twitter-text: "#_",
// "#1_2", "#123" and "#〃" are not hashtags; "#1st" is). Character classes
// come from Go's unicode tables (Unicode 15.0). twitter-text's extra list of
// code points exists only for older regex engines: the assigned ones are
// letters or marks in Unicode 15; the private-use ones (U+F870-U+F8D6) are
// not accepted here.
//
// # Invisible characters
//
// Default-ignorable characters that twitter-text accepts inside a hashtag
// (ZWNJ, ZWJ, variation selectors such as U+FE0F, the combining grapheme
// joiner, Hangul fillers, Khmer inherent vowels, Mongolian free variation
// selectors) are kept by Extract, so a Persian or Sinhala hashtag is not cut
// in two, but Normalize removes them: they are invisible, users type them
// inconsistently, and keeping them would let two visually identical hashtags
// count separately. They never count as the letter a hashtag needs, so a tag
// made only of them (e.g. a Hangul filler U+3164) is not a hashtag. Every
// other format character (bidirectional controls U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069, zero width space U+200B, soft hyphen, ...),
// control characters, whitespace and invalid UTF-8 make Normalize reject the
// tag.
//
// # Canonical form
//
// Normalize removes one leading '#' or fullwidth '＃', removes the invisible
// characters above, applies Unicode NFC and then lower-cases with
// cases.Lower(language.Und) (full Unicode lower-casing, including final
// sigma), then NFC again. So "#AWS", "aws" and "＃Aws" are all "aws", and
// "café" written with U+00E9 or with "e" + U+0301 is the same hashtag. The
// stored form has no leading '#'. Choices worth knowing:
//
//   - NFC, not NFKC: fullwidth Latin ("ａｗｓ") and halfwidth katakana stay
//     distinct from "aws" and full-width katakana. NFKC would turn some
//     twitter-text hashtag characters (U+FF5E, U+309B) into characters that
//     are not allowed in hashtags.
//   - Lower-casing is language-neutral, with one fold: "İ" (U+0130) lower-cases
//     to "i" + U+0307, and a U+0307 right after "i" is removed, so "#İstanbul",
//     "#ISTANBUL" and "#istanbul" are one hashtag, "istanbul" (the dotless "ı"
//     stays distinct: "ısparta" is not "isparta"); "ß" is kept
//     ("straße" and "strasse" differ) and capital "ẞ" becomes "ß"; a final
//     capital sigma becomes "ς".
//   - The limit is MaxLen (140) runes of the canonical form. twitter-text has
//     no limit on hashtag length; a post can hold at most 280 weighted
//     characters (25,000 for long posts), so 140 keeps every realistic hashtag
//     while bounding key sizes in the store.
//
// # Spelling
//
// Spelling is how a counted hashtag was written, for display: without its hash sign and the
// invisible characters Normalize removes (but ZWNJ and ZWJ, which shape Persian and Indic
// script), in NFC, with its case and dots ("İstanbul", "reInvent"). It is never a form that
// normalises to another hashtag, nor longer than MaxLen runes: then it is the canonical form.
// CanonicalSpelled is Canonical with the spelling of each hashtag's first occurrence.
//
// # Extraction
//
// Extract is the fallback for posts whose API entities are missing. A hash
// sign ('#' or '＃') starts a hashtag unless it is preceded by a hashtag
// character or '&' ("a#b", "&#39;"; a preceding U+FE0E/U+FE0F variation
// selector is fine, as after an emoji), or followed by U+FE0F or U+20E3 (the
// keycap "#️⃣"). The hashtag is the longest run of hashtag characters after
// it and must contain a letter. It is dropped when it is directly followed by
// another hash sign or "://" ("#tag#tag2", "#http://x.com") and when it is
// part of a URL: a hash sign right after '/' ("example.com/#anchor"), or in
// the path or query of a URL with or without a scheme
// ("https://x.com/p?q=#a", "example.com/p-#a"). URL recognition approximates
// twitter-text's: a host is dot-separated labels with a top-level domain of at
// least two letters (no list of real top-level domains), and the URL path or
// query runs over ASCII URL characters and Latin or Cyrillic letters. A hash
// sign that follows a dropped hashtag directly ("#a#b") starts none either,
// as in twitter-text. Extract runs in time linear in the length of the text,
// whatever the text.
//
// All functions are safe for concurrent use.
package hashtag
