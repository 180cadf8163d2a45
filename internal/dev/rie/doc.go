// Package rie runs the real Lambda bootstraps (./ingest, ./leaderboard built with
// -tags lambda.norpc) under the AWS Lambda Runtime Interface Emulator (aws-lambda-rie), the
// same Runtime API path Lambda and `sam local invoke` use, without Docker: it finds the RIE,
// builds the bootstraps, starts one emulator per execution environment on free loopback
// ports, posts events to it, and reads what Lambda would report about the environment (the
// init duration, the peak memory of the bootstrap process).
//
// It also prepares the local stand-ins `make invoke` runs against (StartLocal): a
// redis-server with the store's writer and reader ACL users, and, for ingest without X API
// credentials, the X API v2 stand-in serving the bundled sample of posts.
//
// # The emulator, as checked in its source (see the Makefile's RIE_VERSION)
//
//   - Flags: --runtime-interface-emulator-address (default 0.0.0.0:8080),
//     --runtime-api-address, --log-level (else the LOG_LEVEL variable, else info),
//     --enable-init-caching; the remaining arguments are the bootstrap command. There is no
//     help flag: `aws-lambda-rie -h` starts the emulator on 0.0.0.0:8080.
//   - The emulator forwards its whole environment to the bootstrap (plus AWS_LAMBDA_* and
//     AWS_LAMBDA_RUNTIME_API), runs it with the emulator's working directory, in its own
//     process group, and writes the function's stdout and stderr to its own.
//   - Init is lazy: the bootstrap starts at the first invoke. The REPORT line's "Init
//     Duration" only times handing the init to the runtime core (a fraction of a millisecond);
//     the real figure is the "INIT REPORT(durationMs: ...)" line logged at info level: from
//     starting the bootstrap to its first GET /runtime/invocation/next, which is what Lambda
//     reports as Init Duration.
//   - One invoke at a time per emulator: a second invoke while one runs crashes it ("ReserveFailed:
//     AlreadyReserved", then a nil pointer panic), so Emulator.Invoke serialises them. Lambda
//     runs concurrent invokes in separate execution environments: concurrency here means
//     several emulators.
//   - A function error is a 200 whose body is {"errorMessage": ..., "errorType": ...} (the
//     emulator drops the function's headers); a bootstrap that exits during init or an
//     invoke gives 502 with an empty body.
//   - When the emulator is stopped (SIGTERM) it SIGKILLs the bootstrap; a bootstrap whose
//     emulator died exits by itself when its Runtime API stops answering.
package rie
