#!/bin/sh
# kap lint beyond kube-apiserver: the golden outputs of tests/lint (one folder
# a check, findings written out by hand), the real policies of ../shared/corpus,
# the output forms (-o json, -o sarif validated against the SARIF 2.1.0
# schema), exit statuses, --strict, --disable/--enable, colour, and
# --witnesses replayed through kap eval.
#   test_analyze_cli.sh KAP SOURCE_DIR SHARED_DIR
set -u
KAP=$1
SRC=$2
case $KAP in /*) ;; *) KAP=$(pwd)/$KAP ;; esac
SHARED=${3:-$SRC/../shared}
LINT=$SRC/tests/lint
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then passes=$((passes + 1)); else
    fails=$((fails + 1)); printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"; fi
}

# ---- golden outputs, one folder a check --------------------------------------
for d in "$LINT"/*/; do
  [ -f "$d/policy.yaml" ] || continue
  name=$(basename "$d")
  args=""
  [ -f "$d/args" ] && args=$(cat "$d/args")
  # shellcheck disable=SC2086
  (cd "$d" && "$KAP" lint $args policy.yaml > "$T/out" 2>&1)
  if diff -u "$d/expected.txt" "$T/out" > "$T/diff"; then passes=$((passes + 1)); else
    fails=$((fails + 1)); echo "FAIL golden $name"; cat "$T/diff"; fi
done

# ---- the real policies: every finding's place, severity and check -------------
if [ -d "$SHARED/corpus/policies" ]; then
  : > "$T/corpus"
  for f in "$SHARED"/corpus/policies/*.yaml; do
    b=$(basename "$f")
    "$KAP" lint "$f" | grep -v '^    hint: ' |
      sed -E "s/^[^:]*:(([0-9]+):)?(([0-9]+):)? (error|warning|info): .* \[([a-z-]+)\]$/$b \2:\4 \5 \6/" >> "$T/corpus"
  done
  if diff -u "$LINT/corpus.expected" "$T/corpus" > "$T/diff"; then passes=$((passes + 1)); else
    fails=$((fails + 1)); echo "FAIL corpus findings"; cat "$T/diff"; fi
  # the two problems the issue names, with their words
  "$KAP" lint "$SHARED/corpus/policies/datadog-docs.yaml" > "$T/out"; rc=$?
  check "datadog exit" 1 "$rc"
  check "datadog verbs" 'datadog-docs.yaml:41:13: error: kube-apiserver ignores the key "verbs" in a resources entry, so this rule matches every verb [ignored-key]' \
    "$(grep -F 'ignored-key' "$T/out" | sed 's|.*/||')"
  "$KAP" lint "$SHARED/corpus/policies/openshift-default.yaml" > /dev/null; check "openshift-default lints clean of errors" 0 $?
  "$KAP" lint "$SHARED/corpus/policies/openshift-writerequestbodies.yaml" > "$T/out"
  check "openshift resource:" 'openshift-writerequestbodies.yaml:38:5: error: kube-apiserver ignores the key "resource" in a resources entry, so this entry matches every resource of the API group "machineconfiguration.openshift.io" [ignored-key]' \
    "$(grep -F 'ignored-key' "$T/out" | sed 's|.*/||')"
else
  echo "skipped: $SHARED/corpus is absent"
fi

# ---- exit statuses, --strict, --disable, --enable ------------------------------
"$KAP" lint "$LINT/clean/policy.yaml" > "$T/out"; rc=$?
check "clean exit" 0 "$rc"
check "clean output" "" "$(cat "$T/out")"
"$KAP" lint "$LINT/ignored-key/policy.yaml" > /dev/null; check "error exit" 1 $?
"$KAP" lint "$LINT/group-core/policy.yaml" > /dev/null; check "warning exit" 0 $?
"$KAP" lint --strict "$LINT/group-core/policy.yaml" > /dev/null; check "warning --strict exit" 1 $?
"$KAP" lint --strict "$LINT/uri-leak/policy.yaml" > /dev/null; check "info --strict exit" 0 $?
"$KAP" lint --disable ignored-key "$LINT/ignored-key/policy.yaml" > "$T/out"; rc=$?
check "--disable exit" 0 "$rc"
check "--disable output" "" "$(cat "$T/out")"
"$KAP" lint --disable all --enable unreachable-rule "$LINT/bad-directive/policy.yaml" > "$T/out"
check "--disable all --enable" "[unreachable-rule]" "$(grep -o '\[[a-z-]*\]$' "$T/out")"
"$KAP" lint --enable all --disable bad-directive "$LINT/bad-directive/policy.yaml" > "$T/out"
check "--disable one" "[unreachable-rule]" "$(grep -o '\[[a-z-]*\]$' "$T/out")"
"$KAP" lint --disable nosuch "$LINT/clean/policy.yaml" 2> "$T/err"; rc=$?
check "unknown check exit" 2 "$rc"
check "unknown check message" "kap lint: unknown check 'nosuch' (docs/lint.md lists them)" "$(cat "$T/err")"
"$KAP" lint -o xml "$LINT/clean/policy.yaml" 2> /dev/null; check "bad -o" 2 $?
"$KAP" lint --witnesses -o json "$LINT/clean/policy.yaml" 2> /dev/null; check "--witnesses with -o" 2 $?
"$KAP" lint --max-steps 0 "$LINT/clean/policy.yaml" 2> /dev/null; check "--max-steps 0" 2 $?
"$KAP" lint --max-rule-steps x "$LINT/clean/policy.yaml" 2> /dev/null; check "--max-rule-steps x" 2 $?
"$KAP" lint --color=sometimes "$LINT/clean/policy.yaml" 2> /dev/null; check "bad --color" 2 $?
"$KAP" lint "$LINT/invalid-policy/policy.yaml" "$LINT/clean/policy.yaml" > /dev/null; check "one bad file of two" 1 $?
"$KAP" lint "$T/missing.yaml" > "$T/out"; rc=$?
check "missing file exit" 1 "$rc"
check "missing file" "$T/missing.yaml: error: failed to read file path \"$T/missing.yaml\": open $T/missing.yaml: no such file or directory [invalid-policy]" "$(head -n 1 "$T/out")"
"$KAP" lint --help | grep -q -- '--witnesses'; check "help names --witnesses" 0 $?

# ---- colour: only when asked or on a terminal, never with NO_COLOR on auto -------
esc=$(printf '\033')
"$KAP" lint "$LINT/group-core/policy.yaml" | grep -c "$esc" > "$T/n"; check "no colour into a pipe" 0 "$(cat "$T/n")"
"$KAP" lint --color=always "$LINT/group-core/policy.yaml" | grep -c "$esc\[33mwarning" > "$T/n"
check "--color=always" 1 "$(cat "$T/n")"
NO_COLOR=1 "$KAP" lint --color=auto "$LINT/group-core/policy.yaml" | grep -c "$esc" > "$T/n"
check "NO_COLOR" 0 "$(cat "$T/n")"
"$KAP" lint --color=never "$LINT/group-core/policy.yaml" | grep -c "$esc" > "$T/n"; check "--color=never" 0 "$(cat "$T/n")"

# ---- -o json ------------------------------------------------------------------------
"$KAP" lint -o json "$LINT/unreachable-rule/policy.yaml" "$LINT/clean/policy.yaml" > "$T/out"; rc=$?
check "json exit" 0 "$rc"
check "json" '[
  {"file":"'"$LINT"'/unreachable-rule/policy.yaml","id":"unreachable-rule","severity":"warning","rule":2,"line":10,"column":5,"field":"rules[2]","message":"this rule never decides a request: rules 0 (line 5) and 1 (line 7) decide every request it matches","hint":"remove the rule, or move it before the rules that take its requests","related":[0,1]}
]' "$(cat "$T/out")"
"$KAP" lint -o json "$LINT/clean/policy.yaml" > "$T/out"; check "json, nothing found" "[]" "$(cat "$T/out")"

# ---- -o sarif, validated against the SARIF 2.1.0 schema ---------------------------------
PY=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import jsonschema' 2> /dev/null; then PY=$p; break; fi
done
"$KAP" lint -o sarif "$LINT"/*/policy.yaml > "$T/sarif.json"
check "sarif exit (errors among the files)" 1 $?
if [ -n "$PY" ]; then
  "$PY" - "$LINT/sarif-2.1.0-subset.schema.json" "$T/sarif.json" > "$T/out" 2>&1 <<'PYEOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.validate(log, schema, format_checker=jsonschema.FormatChecker())
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids)), "rule ids repeat"
for res in run["results"]:
    assert ids[res["ruleIndex"]] == res["ruleId"], res
    assert res["level"] in ("error", "warning", "note")
levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
assert levels["unreachable-rule"] == "warning" and levels["dead-value"] == "note", levels
print("valid", len(run["results"]), "results", len(rules), "rules")
PYEOF
  njson=$("$KAP" lint -o json "$LINT"/*/policy.yaml | grep -c '"id":')
  check "sarif valid" "valid $njson results 21 rules" "$(cat "$T/out")"
  # a schema violation is caught: an unknown level
  sed 's/"level":"note"/"level":"info"/' "$T/sarif.json" > "$T/bad.json"
  "$PY" -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
    "$LINT/sarif-2.1.0-subset.schema.json" "$T/bad.json" > /dev/null 2>&1
  check "sarif schema rejects a bad level" 1 $?
else
  fails=$((fails + 1)); echo "FAIL: no python3 with jsonschema (scripts/deps.sh test installs python3-jsonschema)"
fi

# ---- --witnesses, replayed through kap eval ---------------------------------------------
for p in "$LINT"/*/policy.yaml ${SHARED:+"$SHARED"/corpus/policies/*.yaml}; do
  [ -f "$p" ] || continue
  "$KAP" lint -o k8s "$p" > /dev/null 2>&1 || continue
  "$KAP" lint --witnesses "$p" > "$T/w" || { fails=$((fails + 1)); echo "FAIL witnesses of $p"; continue; }
  "$KAP" eval "$p" < "$T/w" > "$T/d" 2> /dev/null || { fails=$((fails + 1)); echo "FAIL eval of the witnesses of $p"; continue; }
  want=$(sed -E 's/.*"witness":([0-9]+)\}$/\1/' "$T/w")
  got=$(sed -E 's/.*"rule":(-?[0-9]+)\}$/\1/' "$T/d")
  check "witnesses of $(basename "$(dirname "$p")")/$(basename "$p")" "$want" "$got"
  # one line a rule, except the unreachable ones
  n=$(grep -c . "$T/w")
  u=$("$KAP" lint -o json "$p" | grep -c '"id":"unreachable-rule"')
  r=$("$KAP" lint -o json "$p" | grep -c '"id":"analysis-limit"')
  rules=$(grep -c '^ *- *level:\|^- level:' "$p")
  [ "$r" -eq 0 ] && [ "$rules" -gt 0 ] && check "a witness per reachable rule of $(basename "$p")" "$rules" "$((n + u))"
done
"$KAP" lint --witnesses "$LINT/unreachable-rule/policy.yaml" > "$T/w"
check "witness lines" '{"user":"alice","groups":["system:authenticated"],"verb":"watch","namespace":"default","apiGroup":"apps","apiVersion":"v1","resource":"deployments","subresource":"","name":"","resourceRequest":true,"path":"/apis/apps/v1/namespaces/default/deployments","witness":0}
{"user":"alice","groups":["system:authenticated"],"verb":"get","namespace":"default","apiGroup":"apps","apiVersion":"v1","resource":"deployments","subresource":"","name":"example","resourceRequest":true,"path":"/apis/apps/v1/namespaces/default/deployments/example","witness":1}
{"user":"alice","groups":["system:authenticated"],"verb":"create","namespace":"default","apiGroup":"","apiVersion":"v1","resource":"pods","subresource":"","name":"","resourceRequest":true,"path":"/api/v1/namespaces/default/pods","witness":3}' "$(cat "$T/w")"
# several policies: each line names its own ("file", after "witness")
"$KAP" lint --witnesses "$LINT/clean/policy.yaml" > "$T/w2"
"$KAP" lint --witnesses "$LINT/unreachable-rule/policy.yaml" "$LINT/clean/policy.yaml" > "$T/wboth"
check "witnesses of two policies" "$(sed "s|}\$|,\"file\":\"$LINT/unreachable-rule/policy.yaml\"}|" "$T/w")
$(sed "s|}\$|,\"file\":\"$LINT/clean/policy.yaml\"}|" "$T/w2")" "$(cat "$T/wboth")"
check "witnesses of two policies: one line each" "$(($(grep -c . "$T/w") + $(grep -c . "$T/w2")))" "$(grep -c '"witness":[0-9]*,"file":"' "$T/wboth")"
"$KAP" lint --witnesses "$LINT/invalid-policy/policy.yaml" > "$T/w" 2> "$T/err"; rc=$?
check "witnesses of a bad policy" 1 "$rc"
check "witnesses of a bad policy say why" "kap lint: $LINT/invalid-policy/policy.yaml: rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"" "$(cat "$T/err")"

# witnesses whose URL needs care: the Namespace foo in the namespace "" (not
# /api/v1/namespaces/foo, whose namespace is foo), and "*" after "/*" for the
# same user, which decides nothing (every request's path starts with "/")
cat > "$T/urls.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Metadata
    verbs: ["get"]
    namespaces: [""]
    resources: [{group: "", resources: ["namespaces"], resourceNames: ["foo"]}]
  - level: None
    users: ["alice"]
    nonResourceURLs: ["/*"]
  - level: Metadata
    users: ["alice"]
    nonResourceURLs: ["*"]
EOF
"$KAP" lint --witnesses "$T/urls.yaml" > "$T/w"
check "witnesses with a namespace segment" '{"user":"alice","groups":["system:authenticated"],"verb":"get","namespace":"","apiGroup":"","apiVersion":"v1","resource":"namespaces","subresource":"","name":"foo","resourceRequest":true,"path":"/api/v1/namespaces//namespaces/foo","witness":0}
{"user":"alice","groups":["system:authenticated"],"verb":"get","resourceRequest":false,"path":"/","witness":1}' "$(cat "$T/w")"
check "* after /* is unreachable" "$T/urls.yaml:11:5: warning: this rule never decides a request: rule 1 (line 8) decides every request it matches [unreachable-rule]" \
  "$("$KAP" lint "$T/urls.yaml" | grep -F '[unreachable-rule]')"

# a resource request's verb goes with its name and subresource
# (requestinfo.md 8-11): no deletecollection has a name, no delete lacks
# one, no proxy has a subresource; a rule of only such requests decides
# nothing, and every witness is a request a URL gives
cat > "$T/ties.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    verbs: ["deletecollection"]
    resources: [{group: "", resources: ["pods"], resourceNames: ["web"]}]
  - level: Metadata
    verbs: ["delete", "deletecollection"]
    resources: [{group: "", resources: ["pods"], resourceNames: [""]}]
  - level: Request
    verbs: ["proxy", "get"]
    resources: [{group: "", resources: ["nodes/proxy"]}]
EOF
"$KAP" lint --witnesses "$T/ties.yaml" > "$T/w"
check "witnesses with a verb tied to a name" '{"user":"alice","groups":["system:authenticated"],"verb":"deletecollection","namespace":"default","apiGroup":"","apiVersion":"v1","resource":"pods","subresource":"","name":"","resourceRequest":true,"path":"/api/v1/namespaces/default/pods","witness":1}
{"user":"alice","groups":["system:authenticated"],"verb":"get","namespace":"","apiGroup":"","apiVersion":"v1","resource":"nodes","subresource":"proxy","name":"web","resourceRequest":true,"path":"/api/v1/nodes/web/proxy","witness":2}' "$(cat "$T/w")"
check "deletecollection with a name is unreachable" "$T/ties.yaml:4:5: warning: this rule never decides a request: no request has one of its verbs with one of its resourceNames and subresources: deletecollection never has a name (requestinfo.md 8-11) [unreachable-rule]" \
  "$("$KAP" lint "$T/ties.yaml" | grep -F '[unreachable-rule]')"

# two more kinds of request no URL gives: the resources status and finalize
# in a namespace (after namespaces/NS/ they are the Namespace's
# subresources, requestinfo.md 7) and a resource request with a verb
# request-info never gives (section 6); a rule with neither resources nor
# nonResourceURLs still has its non-resource requests
cat > "$T/impossible.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    namespaces: ["kube-system"]
    resources: [{group: "", resources: ["status", "finalize"]}]
  - level: None
    verbs: ["impersonate"]
    resources: [{group: "", resources: ["users"]}]
  - level: Metadata
    namespaces: ["kube-system", ""]
    resources: [{group: "", resources: ["status"]}]
  - level: Request
    verbs: ["impersonate"]
EOF
"$KAP" lint --witnesses "$T/impossible.yaml" > "$T/w"
check "witnesses beside status in a namespace and a verb no resource request has" '{"user":"alice","groups":["system:authenticated"],"verb":"get","namespace":"","apiGroup":"","apiVersion":"v1","resource":"status","subresource":"","name":"example","resourceRequest":true,"path":"/api/v1/status/example","witness":2}
{"user":"alice","groups":["system:authenticated"],"verb":"impersonate","resourceRequest":false,"path":"/","witness":3}' "$(cat "$T/w")"
check "status in a namespace and impersonate on users are unreachable" "$T/impossible.yaml:4:5: warning: this rule never decides a request: no request has its values together: the resources status and finalize are in the namespace \"\" only (after namespaces/NAME/ they are the Namespace's subresources: requestinfo.md 7) [unreachable-rule]
$T/impossible.yaml:7:5: warning: this rule never decides a request: no request has its values together: a resource request's verb is get, list, watch, create, update, patch, delete, deletecollection, proxy or \"\" (any other HTTP method: requestinfo.md 6) [unreachable-rule]" \
  "$("$KAP" lint "$T/impossible.yaml" | grep -F '[unreachable-rule]')"
check "a namespace only status in a namespace goes through is dead" "$T/impossible.yaml:11:18: info: \"kube-system\" in namespaces never decides a request: no request has it with this rule's other values: the resources status and finalize are in the namespace \"\" only (after namespaces/NAME/ they are the Namespace's subresources: requestinfo.md 7) [dead-value]" \
  "$("$KAP" lint "$T/impossible.yaml" | grep -F '[dead-value]')"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
