package secrets

import "github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"

// The variables' names, kept only for the local tools that still set them by these names
// (internal/dev/rie, internal/dev/localapp): package config owns every name, and reads the
// credentials' variables itself. Use config's Env* constants instead (config.EnvXSecretARN and
// the other X_* names for the TWITTER_* ones); these go when the local tools stop using them.
// (Not marked Deprecated, so that lint stays clean until then.)
const (
	EnvMemoryDBSecretARN  = config.EnvMemoryDBSecretARN
	EnvMemoryDBUsername   = config.EnvMemoryDBUsername
	EnvMemoryDBPassword   = config.EnvMemoryDBPassword
	EnvTwitterSecretARN   = config.EnvTwitterSecretARN
	EnvTwitterBearerToken = config.EnvTwitterBearerToken
	EnvTwitterAPIKey      = config.EnvTwitterAPIKey
	EnvTwitterAPISecret   = config.EnvTwitterAPISecret
)
