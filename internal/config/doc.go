// Package config turns Bizy's settings into a validated Config.
//
// Every setting is defined once, in the table in settings.go: its environment
// variable, its flag (AUTH_ADDR becomes --auth-addr), its default, its parser
// and its help text. Bind registers the flags on a subcommand's FlagSet and
// returns a function that, after parsing, resolves each setting:
//
//   - a flag given on the command line wins, even when given an empty value
//     (--trusted-proxies= trusts nobody, also under serve);
//   - otherwise a non-empty environment variable (an empty one counts as unset);
//   - otherwise the default from SPEC.md.
//
// Every value is validated and every bad one is reported, one line each,
// starting with the variable's name:
//
//	AUTH_ADDR: invalid address "x"
//	BCRYPT_COST: must be between 10 and 16, got "9"
//
// Values are not trimmed, so stray spaces show up quoted in those messages.
// The list settings TRUSTED_PROXIES and CORS_ALLOWED_ORIGINS also accept
// "none", because an empty environment variable cannot say "empty list".
//
// The rate-limit budgets (RATE_LIMIT_LOGIN and its siblings) are read by
// ratelimit.ParseRate, as N/DURATION or off. Each is checked even when
// RATE_LIMIT_ENABLED is false, which then turns every one off in
// Config.RateLimits, so the Config holds the budgets in force.
//
// Secrets (JWT_SECRET, SMTP_PASSWORD) are held as Secret, which prints and
// logs as REDACTED; Config.LogValue also hides passwords inside DATABASE_URL
// and REDIS_URL, so a Config can be logged at start-up.
package config
