package secrets

import "github.com/hashtag-leaderboard/hashtag-leaderboard/internal/config"

// The variables' names, for the local tools that still set them by these names (internal/dev):
// package config owns every name, and reads the credentials' variables itself.
//
// Deprecated: use config's Env* constants (config.EnvXSecretARN and the other X_* names for
// the TWITTER_* ones). These go when the local tools stop using them.
const (
	EnvMemoryDBSecretARN  = config.EnvMemoryDBSecretARN
	EnvMemoryDBUsername   = config.EnvMemoryDBUsername
	EnvMemoryDBPassword   = config.EnvMemoryDBPassword
	EnvTwitterSecretARN   = config.EnvTwitterSecretARN
	EnvTwitterBearerToken = config.EnvTwitterBearerToken
	EnvTwitterAPIKey      = config.EnvTwitterAPIKey
	EnvTwitterAPISecret   = config.EnvTwitterAPISecret
)
