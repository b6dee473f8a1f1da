#!/usr/bin/env bash
# The whole test suite (make test). Each stage prints a header; the first failure stops.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false
RASA=.venv/rasa/bin
SVC=.venv/svc/bin
MODEL="$($RASA/python scripts/train_if_needed.py --print-path | tail -n 1)"
export CLAIMS_TEST_MODEL="$MODEL"

echo "== rasa data validate"
$RASA/rasa data validate --domain domain --data data >/tmp/claims-validate.log 2>&1 || {
  cat /tmp/claims-validate.log; exit 1; }
grep -E "^(Validating|.*error)" /tmp/claims-validate.log | tail -n 5 || true

echo "== services: pytest (Claims API, web app, stack)"
$SVC/python -m pytest -q -p no:cacheprovider tests/claims_api tests/webapp tests/stack

echo "== bot: pytest (NLU components, actions, channels, conversations)"
$RASA/python -m pytest -q -p no:cacheprovider tests/bot tests/nlu tests/actions tests/channels \
  tests/conversations

echo "== handoff: round trips and conversations (rasa env), agent console in a browser (svc env)"
$RASA/python -m pytest -q -p no:cacheprovider tests/e2e_handoff
$SVC/python -m pytest -q -p no:cacheprovider tests/e2e_handoff/test_console_browser.py

echo "== scale: two Rasa and two action servers behind balancers; faults"
$RASA/python -m pytest -q -p no:cacheprovider tests/scale

echo "== NLU evaluation on the held-out test set"
rm -rf results/nlu
$RASA/rasa test nlu --nlu tests/nlu/test_nlu.yml --model "$MODEL" --domain domain \
  --out results/nlu --no-plot >/tmp/claims-nlu-test.log 2>&1 || { tail -n 40 /tmp/claims-nlu-test.log; exit 1; }
$RASA/python scripts/check_nlu_report.py results/nlu --min-intent-accuracy 0.90

if [ -f tests/e2e/test_stories.yml ]; then
  echo "== dialogue: rasa test (end-to-end stories)"
  $RASA/python -m tests.e2e.run_stories "$MODEL"
fi
