#!/bin/sh
# Starts the VOICEVOX engine in the background, then hands the process over to the Lambda runtime
# interface client, which loads the handler named by CMD. The engine needs a few seconds to load its
# voices; the handler waits for it (VOICEVOX_WAIT_MS) on a cold start instead of failing.
set -eu

/opt/voicevox_engine/run \
  --host 127.0.0.1 \
  --port 50021 \
  --cpu_num_threads "${VOICEVOX_CPU_THREADS:-2}" \
  ${VOICEVOX_ENGINE_ARGS:-} &

exec /opt/ric/node_modules/.bin/aws-lambda-ric "$@"
