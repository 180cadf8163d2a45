package main

import "time"

// The vocabulary of the sample: languages, their topics (sentences and hashtags, most popular
// first: the generator draws hashtags by Zipf's law over that order) and the trends that make
// the windows differ. A hashtag is a list of spellings: the first is the usual one, the others
// are case or Unicode composition variants that count as the same hashtag.

var trends = []trend{
	// AWS re:Invent week: rising over the last two days and the day after the start.
	{"en", "tech", []string{"reInvent", "ReInvent", "reinvent", "REINVENT"}, -48 * hour, 24 * hour, 0.28},
	{"ja", "tech", []string{"reInvent", "reinvent"}, -40 * hour, 24 * hour, 0.2},
	// A product launch that starts 40 minutes before the anchor: tops the 1h window.
	{"en", "tech", []string{"LaunchDay", "launchday", "LAUNCHDAY"}, -40 * time.Minute, 3 * hour, 0.45},
	// A Champions League night three days ago: high in 7d, gone from 24h.
	{"en", "sports", []string{"ChampionsLeague", "UCL"}, -74 * hour, -70 * hour, 0.7},
	{"es", "fútbol", []string{"ChampionsLeague"}, -74 * hour, -70 * hour, 0.7},
	// El Clásico 30 hours ago: in 7d, not in 24h.
	{"es", "fútbol", []string{"ElClásico", "ElClasico", "elclásico", "ElCla\u0301sico"}, -31 * hour, -27 * hour, 0.8},
	// Black Friday deals through the last day and the next.
	{"en", "life", []string{"BlackFriday", "blackfriday", "BLACKFRIDAY"}, -20 * hour, 24 * hour, 0.2},
	// A cricket match this morning.
	{"hi", "sports", []string{"INDvAUS", "IndvAus"}, -10 * hour, -5 * hour, 0.6},
	{"en", "sports", []string{"INDvAUS"}, -10 * hour, -5 * hour, 0.15},
	// A K-pop comeback around the anchor.
	{"ko", "kpop", []string{"뉴진스", "NewJeans"}, -5 * hour, 6 * hour, 0.5},
}

// Globally used tech hashtags that posts in every language borrow now and then.
var globalTech = [][]string{
	{"AWS", "aws", "Aws"}, {"AI", "ai"}, {"Python", "python"}, {"Serverless", "serverless"},
	{"Golang", "golang", "GoLang"}, {"Kubernetes", "kubernetes", "k8s"}, {"OpenSource", "opensource"},
	{"DevOps", "devops"}, {"GenAI", "genai"}, {"Rust", "rust"},
}

var languages = []language{
	{
		code: "en", weight: 46, spaced: true,
		mentions: []string{"awscloud", "golang", "kelseyhightower", "jane_dev", "cloudnative_ops", "sre_weekly",
			"nba", "premierleague", "f1", "bbcbreaking", "nasa", "techcrunch", "the_verge", "dan_codes", "ml_maria"},
		quiet: []string{
			"Good morning! Coffee first, then code.",
			"Does anyone actually read release notes? Asking for a friend.",
			"That meeting could have been an email.",
			"Finally fixed the flaky test. It was the clock. It is always the clock.",
			"What a game last night, still can't believe that finish.",
			"Reading a great book on distributed systems, highly recommend.",
			"Rainy day, perfect for refactoring.",
			"Shipping on a Friday? Bold.",
			"New blog post is up, link in bio.",
			"Who else is watching the launch stream right now?",
		},
		longTails: []string{
			"We started with a single Lambda function and a cron rule, and it grew from there.",
			"The first lesson was that retries without idempotency keys will eventually double count something.",
			"The second lesson was about observability: you cannot fix what you cannot see, so trace everything.",
			"Costs dropped by about forty percent once we right-sized memory and moved to arm64.",
			"We still run a few containers for the long-running jobs, and that is fine.",
			"If you are starting today, begin with the data model and the access patterns, not the framework.",
			"Thanks to everyone who reviewed the draft of this write-up, your comments made it much better.",
		},
		topics: []topic{
			{name: "tech", weight: 40, sentences: []string{
				"Just migrated our last cron job to Lambda, cold starts are a non-issue now.",
				"Hot take: most microservices should have been a monolith.",
				"Spent the afternoon tuning Redis eviction policies. Worth it.",
				"New release is out: faster builds, smaller images, fewer surprises.",
				"Pair programming session today taught me more than a week of docs.",
				"Our p99 latency just dropped from 800ms to 120ms after one index.",
				"Writing tests for the retry logic before touching anything else.",
				"Is anyone else running Kubernetes at home? Asking for my electricity bill.",
				"Infrastructure as code saved us again during the region failover drill.",
				"Code review tip: ask questions, don't issue verdicts.",
			}, tags: [][]string{
				{"AWS", "aws", "Aws"}, {"Serverless", "serverless"}, {"Golang", "golang", "GoLang"},
				{"Kubernetes", "kubernetes", "k8s"}, {"DevOps", "devops"}, {"Python", "python"},
				{"CloudComputing", "cloudcomputing"}, {"OpenSource", "opensource"}, {"JavaScript", "javascript"},
				{"Rust", "rust"}, {"Docker", "docker"}, {"Terraform", "terraform"}, {"Redis", "redis"},
				{"WebDev", "webdev"}, {"100DaysOfCode", "100daysofcode"}, {"Lambda", "lambda"}, {"Linux", "linux"},
				{"TypeScript", "typescript"}, {"Postgres", "postgres", "PostgreSQL"}, {"SRE", "sre"},
			}},
			{name: "ai", weight: 14, sentences: []string{
				"Tried the new model on our support tickets, surprisingly good at triage.",
				"Evaluation sets matter more than model size. Change my mind.",
				"Our RAG pipeline finally cites its sources correctly.",
				"Fine-tuning a small model beat the giant one for our use case.",
				"Reminder: a demo is not a product.",
				"Wrote up what we learned putting an LLM behind a rate limiter.",
			}, tags: [][]string{
				{"AI", "ai"}, {"MachineLearning", "machinelearning", "ML"}, {"GenAI", "genai"}, {"LLM", "llm", "LLMs"},
				{"DataScience", "datascience"}, {"DeepLearning", "deeplearning"}, {"AIEthics", "aiethics"},
				{"PromptEngineering", "promptengineering"},
			}},
			{name: "sports", weight: 18, sentences: []string{
				"What a comeback in the fourth quarter!",
				"That referee decision will be debated for weeks.",
				"Rookie of the year, no question.",
				"Qualifying was chaos, the race tomorrow will be wild.",
				"Three points at home, exactly what we needed.",
				"Five-set thriller, both players deserved to win.",
				"Injury update just in, not looking good for Sunday.",
			}, tags: [][]string{
				{"NBA", "nba"}, {"PremierLeague", "premierleague", "EPL"}, {"NFL", "nfl"}, {"F1", "f1"},
				{"Tennis", "tennis"}, {"Cricket", "cricket"}, {"MLB", "mlb"}, {"UFC", "ufc"},
				{"Olympics", "olympics"}, {"MarchMadness"},
			}},
			{name: "news", weight: 15, sentences: []string{
				"Developing story, more details expected within the hour.",
				"Markets closed higher after the central bank announcement.",
				"Heavy rain warnings issued for the coast tonight.",
				"The launch window opens tomorrow morning, weather permitting.",
				"New study suggests the effect is smaller than reported.",
				"Polls open at 7am, check your polling place.",
			}, tags: [][]string{
				{"BreakingNews", "breakingnews"}, {"Climate", "climate"}, {"Economy", "economy"},
				{"Science", "science"}, {"SpaceX", "spacex"}, {"NASA", "nasa"}, {"Health", "health"},
				{"ClimateAction", "climateaction"}, {"Elections", "elections"}, {"WorldNews", "worldnews"},
			}},
			{name: "life", weight: 13, sentences: []string{
				"Sunday morning, pancakes and an old record.",
				"Finished the series in two nights. No regrets.",
				"Golden hour from the ferry today.",
				"Trying a new pour-over recipe, 1:16 ratio.",
				"Leg day. Enough said.",
				"Packing for the mountains, any trail tips?",
			}, tags: [][]string{
				{"Music", "music"}, {"Movies", "movies"}, {"Gaming", "gaming"}, {"Netflix", "netflix"},
				{"Travel", "travel"}, {"Coffee", "coffee"}, {"Photography", "photography"}, {"Books", "books"},
				{"Fitness", "fitness"}, {"Food", "food"}, {"MondayMotivation"}, {"TBT", "tbt"}, {"Art", "art"},
			}},
		},
	},
	{
		code: "es", weight: 12, spaced: true,
		mentions: []string{"LaLiga", "elmundoes", "realmadrid", "fcbarcelona_es", "dev_lucia", "ana_tech"},
		quiet: []string{
			"Buenos días, primero el café y luego el código.",
			"Qué partidazo anoche, todavía no me lo creo.",
			"Hoy toca reunión larga, deséenme suerte.",
			"¿Alguien más trabajando desde la playa?",
		},
		longTails: []string{
			"Empezamos con un solo servicio y una base de datos, y todo fue creciendo poco a poco.",
			"La primera lección fue que los reintentos sin idempotencia terminan contando algo dos veces.",
			"La segunda fue la observabilidad: sin trazas no hay forma de saber qué pasa en producción.",
			"Gracias a todas las personas que revisaron el borrador, sus comentarios lo mejoraron mucho.",
		},
		topics: []topic{
			{name: "fútbol", weight: 40, sentences: []string{
				"¡Golazo en el último minuto!",
				"El árbitro no vio nada, increíble.",
				"Tres puntos importantísimos fuera de casa.",
				"La afición estuvo espectacular toda la noche.",
				"Vaya partido del portero, salvó al equipo.",
			}, tags: [][]string{
				{"Fútbol", "fútbol", "Futbol", "Fu\u0301tbol", "FÚTBOL"}, {"LaLiga", "laliga"}, {"RealMadrid", "realmadrid"},
				{"FCBarcelona", "Barça"}, {"LigaMX", "ligamx"}, {"Mundial2026", "mundial2026"}, {"Selección"},
			}},
			{name: "tecnología", weight: 30, sentences: []string{
				"Nuevo artículo sobre cómo desplegamos sin tiempo de inactividad.",
				"Hoy aprendí algo nuevo sobre bases de datos distribuidas.",
				"La inteligencia artificial no reemplaza el criterio humano.",
				"Charla increíble en el meetup de anoche, gracias a todos.",
			}, tags: [][]string{
				{"Tecnología", "tecnología", "Tecnologi\u0301a"}, {"IA", "ia"}, {"Programación", "programación"},
				{"AWS", "aws"}, {"Python"}, {"Ciberseguridad", "ciberseguridad"}, {"DesarrolloWeb"}, {"Startups"},
			}},
			{name: "noticias", weight: 30, sentences: []string{
				"Última hora: se esperan más detalles en breve.",
				"La inflación baja por tercer mes consecutivo.",
				"Alerta por lluvias intensas en el norte.",
				"Los mercados abren con subidas moderadas.",
			}, tags: [][]string{
				{"Noticias", "noticias"}, {"ÚltimaHora", "UltimaHora"}, {"Economía", "economía"}, {"México", "Mexico"},
				{"España", "españa"}, {"Argentina"}, {"Elecciones"}, {"Clima"},
			}},
		},
	},
	{
		code: "fr", weight: 7, spaced: true,
		mentions: []string{"franceinfo", "lemondefr", "psg_inside", "dev_camille", "julien_ops"},
		quiet: []string{
			"Bonjour à tous, première tasse de la journée.",
			"Quelle soirée, je n'ai pas encore dormi.",
			"Réunion, déjeuner, réunion. Classique.",
		},
		longTails: []string{
			"Nous avons commencé avec une seule fonction et une file d'attente, puis tout a grandi.",
			"La première leçon : sans idempotence, les nouvelles tentatives finissent par compter deux fois.",
			"Merci à toutes les personnes qui ont relu le brouillon, vos remarques l'ont beaucoup amélioré.",
		},
		topics: []topic{
			{name: "vie", weight: 35, sentences: []string{
				"Un petit crème en terrasse, le soleil est de retour.",
				"Les croissants de cette boulangerie sont incroyables.",
				"Balade le long de la Seine ce matin.",
				"Fin de semaine bien méritée.",
			}, tags: [][]string{
				{"Café", "café", "Cafe\u0301", "cafe\u0301", "CAFÉ"}, {"Paris", "paris"}, {"Météo", "Me\u0301te\u0301o", "météo"},
				{"Cuisine", "cuisine"}, {"Cinéma", "cinéma"}, {"Lecture"},
			}},
			{name: "actu", weight: 35, sentences: []string{
				"Les détails de la réforme seront présentés demain.",
				"Match solide de l'équipe, la défense a tenu.",
				"Grève annoncée dans les transports jeudi.",
				"Le budget sera voté la semaine prochaine.",
			}, tags: [][]string{
				{"Actualité", "actualité", "Actualite\u0301", "ACTUALITÉ"}, {"Économie", "économie", "E\u0301conomie"},
				{"Politique", "politique"}, {"Rugby", "rugby"}, {"PSG", "psg"}, {"Climat", "climat"}, {"Football"},
			}},
			{name: "tech", weight: 30, sentences: []string{
				"Nouvelle version déployée sans interruption, bravo l'équipe.",
				"Atelier passionnant sur l'observabilité hier soir.",
				"On a enfin automatisé les déploiements du vendredi.",
			}, tags: [][]string{
				{"IA", "ia"}, {"DevOps"}, {"AWS", "aws"}, {"Cloud", "cloud"}, {"Développeur", "De\u0301veloppeur", "développeur"},
				{"OpenSource"}, {"Python"},
			}},
		},
	},
	{
		code: "ja", weight: 10,
		mentions: []string{"aws_jp", "nhk_news", "dev_taro", "hanako_eng"},
		quiet: []string{
			"おはようございます。今日も一日がんばりましょう。",
			"雨の日はコードを書くのにちょうどいい。",
			"昨日の試合、最後まで目が離せなかった。",
		},
		longTails: []string{
			"最初は小さな関数ひとつから始めましたが、だんだんと仕組みが大きくなっていきました。",
			"一番の学びは、冪等性のない再試行はいつか二重カウントを生むということです。",
			"下書きを読んでくださった皆さん、本当にありがとうございました。",
		},
		topics: []topic{
			{name: "tech", weight: 40, sentences: []string{
				"今日は勉強会で登壇しました。",
				"本番環境のデプロイが無事に終わりました。",
				"新しいライブラリを試してみたらとても便利でした。",
				"障害対応お疲れさまでした。",
			}, tags: [][]string{
				{"プログラミング", "プロク\u3099ラミンク\u3099"}, {"エンジニア"}, {"駆け出しエンジニアと繋がりたい"},
				{"AWS", "aws"}, {"Python"}, {"生成AI"}, {"個人開発"}, {"Go言語"},
			}},
			{name: "sports", weight: 30, sentences: []string{
				"すごいホームランだった！",
				"延長戦までもつれ込む熱戦でした。",
				"今シーズン最高の試合かもしれない。",
			}, tags: [][]string{{"野球"}, {"大谷翔平"}, {"サッカー"}, {"Jリーグ"}, {"相撲"}},
			},
			{name: "life", weight: 30, sentences: []string{
				"近所のラーメン屋さんが最高でした。",
				"紅葉がきれいな季節になりました。",
				"猫が膝の上で寝てしまって動けない。",
			}, tags: [][]string{{"東京"}, {"ラーメン"}, {"写真好きな人と繋がりたい"}, {"アニメ"}, {"猫"}, {"ニュース"}},
			},
		},
	},
	{
		code: "ar", weight: 7, spaced: true,
		mentions: []string{"AJArabic", "SkyNewsArabia", "dev_omar", "layla_tech"},
		quiet: []string{
			"صباح الخير للجميع.",
			"يوم طويل في العمل، الحمد لله.",
		},
		longTails: []string{
			"بدأنا بخدمة واحدة صغيرة ثم كبر النظام شيئا فشيئا مع الوقت.",
			"أهم درس تعلمناه أن إعادة المحاولة بدون مفتاح فريد تؤدي إلى العد مرتين.",
			"شكرا لكل من راجع المسودة، ملاحظاتكم جعلتها أفضل بكثير.",
		},
		topics: []topic{
			{name: "news", weight: 40, sentences: []string{
				"تفاصيل جديدة خلال الساعة القادمة.",
				"ارتفاع ملحوظ في أسواق المنطقة اليوم.",
				"توقعات بأمطار غزيرة نهاية الأسبوع.",
			}, tags: [][]string{{"عاجل"}, {"السعودية"}, {"مصر"}, {"الإمارات"}, {"أخبار"}, {"الاقتصاد"}},
			},
			{name: "sports", weight: 35, sentences: []string{
				"مباراة رائعة وهدف في الدقيقة الأخيرة!",
				"أداء قوي من الفريق الليلة.",
			}, tags: [][]string{{"كرة_القدم"}, {"الهلال"}, {"الأهلي"}, {"دوري_روشن"}, {"كأس_العالم"}},
			},
			{name: "tech", weight: 25, sentences: []string{
				"ورشة عمل ممتازة عن الحوسبة السحابية اليوم.",
				"أطلقنا النسخة الجديدة من التطبيق.",
			}, tags: [][]string{{"الذكاء_الاصطناعي"}, {"تقنية"}, {"برمجة"}, {"AI"}, {"AWS"}},
			},
		},
	},
	{
		code: "hi", weight: 6, spaced: true,
		mentions: []string{"BCCI", "ndtvindia", "dev_priya", "rahul_codes"},
		quiet: []string{
			"सुप्रभात! आज का दिन शानदार हो।",
			"आज बहुत काम है, शाम को बात करते हैं।",
		},
		longTails: []string{
			"हमने एक छोटी सी सेवा से शुरुआत की थी और धीरे धीरे पूरा सिस्टम बड़ा होता गया।",
			"सबसे बड़ी सीख यह थी कि बिना पहचान कुंजी के दोबारा कोशिश करने से गिनती दो बार हो जाती है।",
			"मसौदा पढ़ने वाले सभी साथियों का धन्यवाद, आपकी टिप्पणियों से यह बेहतर बना।",
		},
		topics: []topic{
			{name: "sports", weight: 40, sentences: []string{
				"क्या शानदार पारी खेली!",
				"आखिरी ओवर में रोमांचक जीत।",
				"आज का मैच देखने लायक था।",
			}, tags: [][]string{{"क्रिकेट"}, {"भारत"}, {"टीम_इंडिया"}, {"IPL"}, {"विराट_कोहली"}},
			},
			{name: "news", weight: 35, sentences: []string{
				"ताज़ा खबर: जल्द ही और जानकारी आएगी।",
				"दिल्ली में आज हल्की बारिश की संभावना।",
				"चुनाव आयोग ने नई तारीखों की घोषणा की।",
			}, tags: [][]string{
				// ज़ as U+095B (a composition exclusion: NFC decomposes it) and as ज + nukta U+093C.
				{"समाचार"}, {"ब्रेकिंग_न्यूज़", "ब्रेकिंग_न्यू\u095b"}, {"दिल्ली"}, {"मौसम"}, {"चुनाव"},
			}},
			{name: "tech", weight: 25, sentences: []string{
				"नई ऐप आज लॉन्च हुई।",
				"कोडिंग सीखने का सबसे अच्छा तरीका है रोज़ अभ्यास।",
			}, tags: [][]string{{"तकनीक"}, {"AI"}, {"स्टार्टअप"}, {"प्रोग्रामिंग"}},
			},
		},
	},
	{
		code: "ko", weight: 6,
		mentions: []string{"kpop_news", "dev_minji", "seoul_eng"},
		quiet: []string{
			"좋은 아침입니다!",
			"오늘도 야근이네요.",
		},
		longTails: []string{
			"처음에는 작은 함수 하나로 시작했지만 시스템이 점점 커졌습니다.",
			"가장 큰 교훈은 멱등성 없는 재시도는 결국 두 번 세게 된다는 것이었습니다.",
			"초안을 읽어 주신 모든 분들께 감사드립니다.",
		},
		topics: []topic{
			{name: "tech", weight: 35, sentences: []string{
				"오늘 배포 무사히 끝났습니다.",
				"새로운 프레임워크를 써 봤는데 정말 편하네요.",
			}, tags: [][]string{
				// 코딩 precomposed and as conjoining jamo (NFD), which NFC composes back.
				{"코딩", "\u110f\u1169\u1103\u1175\u11bc"}, {"개발자"}, {"인공지능"}, {"AI"}, {"AWS"}, {"프로그래밍"},
			}},
			{name: "kpop", weight: 35, sentences: []string{
				"신곡 너무 좋아요!",
				"콘서트 티켓팅 성공했어요!",
			}, tags: [][]string{{"케이팝"}, {"KPOP", "KPop", "kpop"}, {"BTS"}, {"아이돌"}},
			},
			{name: "daily", weight: 30, sentences: []string{
				"경기 정말 대단했어요.",
				"서울은 오늘 꽤 춥네요.",
			}, tags: [][]string{{"축구"}, {"손흥민"}, {"뉴스"}, {"서울"}, {"야구"}},
			},
		},
	},
	{
		code: "de", weight: 2, spaced: true,
		mentions: []string{"tagesschau", "dev_jonas"},
		quiet:    []string{"Guten Morgen zusammen!"},
		topics: []topic{
			{name: "alles", weight: 1, sentences: []string{
				"Was für ein Spiel gestern Abend!",
				"Neues Release ist draußen.",
			}, tags: [][]string{
				// ß is kept by lower-casing: "Fußball" and "FUSSBALL" are different hashtags.
				{"Fußball", "fußball", "FUSSBALL"}, {"Bundesliga"}, {"KI"}, {"Technik"},
			}},
		},
	},
	{
		code: "tr", weight: 2, spaced: true,
		mentions: []string{"dev_elif"},
		quiet:    []string{"Günaydın!"},
		topics: []topic{
			{name: "hepsi", weight: 1, sentences: []string{
				"Boğazda harika bir akşam.",
				"Derbi çok heyecanlıydı.",
			}, tags: [][]string{
				// "İstanbul", "Istanbul" and "istanbul" are one hashtag (package hashtag folds the dot).
				{"İstanbul", "Istanbul", "istanbul"}, {"Galatasaray"}, {"Fenerbahçe"}, {"Teknoloji"},
			}},
		},
	},
}
