#!/bin/sh
# kap explain: the three request forms, human and JSON output, requests
# without an audit event, colour, and the exit statuses (0, 1 for a policy
# that does not load, 2 for usage errors).
set -u
KAP=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then passes=$((passes + 1)); else
    fails=$((fails + 1)); printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"; fi
}
has() { # name needle file
  if grep -qF -- "$2" "$3"; then passes=$((passes + 1)); else
    fails=$((fails + 1)); printf 'FAIL %s\n  no line with: %s\n  in:\n' "$1" "$2"; sed 's/^/    /' "$3"; fi
}

cat > "$T/p.yaml" <<'Y'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/log"]
- level: Metadata
  omitManagedFields: true
Y

# METHOD URL, JSON output: exactly the keys of the issue, in this order
"$KAP" explain -o json "$T/p.yaml" --user alice --group dev GET /api/v1/namespaces/default/pods/web/log > "$T/out"; rc=$?
check "url json exit" 0 "$rc"
check "url json" '{"rule":1,"level":"RequestResponse","omitStages":["RequestReceived"],"omitManagedFields":false,"request":{"user":"alice","groups":["dev"],"verb":"get","namespace":"default","apiGroup":"","apiVersion":"v1","resource":"pods","subresource":"log","name":"web","resourceRequest":true,"path":"/api/v1/namespaces/default/pods/web/log"},"rules":[{"rule":0,"line":6,"matched":false,"reason":"users [system:kube-proxy] does not include alice"},{"rule":1,"line":8,"matched":true,"reason":"matches"}]}' "$(cat "$T/out")"

# options may come before or after the policy and the request
"$KAP" explain "$T/p.yaml" GET /api/v1/namespaces/default/pods/web/log -o json --user alice --group dev > "$T/out2"
check "options anywhere" "$(cat "$T/out")" "$(cat "$T/out2")"

# the request line as one argument, as a log shows it
"$KAP" explain "$T/p.yaml" -o json --user alice --group dev 'GET /api/v1/namespaces/default/pods/web/log' > "$T/out2"
check "request line as one argument" "$(cat "$T/out")" "$(cat "$T/out2")"

# human output: attributes, decision, every rule examined
"$KAP" explain "$T/p.yaml" --user system:kube-proxy GET '/api/v1/pods?watch=1' > "$T/out"; rc=$?
check "url human exit" 0 "$rc"
has "human: derived verb" "  verb             watch" "$T/out"
has "human: request line" "request GET /api/v1/pods?watch=1" "$T/out"
has "human: level None" "  level              None (no audit event is written)" "$T/out"
has "human: deciding rule" "  rule               0, line 5" "$T/out"
has "human: matched step" "  rule 0, line 5: matches -> None" "$T/out"
check "human: no colour off a terminal" "0" "$(grep -c "$(printf '\033')" "$T/out")"

# no user, no groups: said so; every earlier rule's first rejecting field
"$KAP" explain "$T/p.yaml" GET /api/v1/namespaces/default/configmaps > "$T/out"
has "human: no user" "(none: unauthenticated" "$T/out"
has "human: users rejected" "  rule 0, line 6: users [system:kube-proxy] does not match a request without a user" "$T/out"
has "human: resources rejected" "  rule 1, line 11: resources [pods/log] of group \"\" does not include configmaps" "$T/out"
has "human: decided by the last rule" "  rule 2, line 12: matches -> Metadata" "$T/out"
has "human: omitManagedFields" "  omitManagedFields  true" "$T/out"

# --color=always colours; --color=never and NO_COLOR do not
"$KAP" explain --color=always "$T/p.yaml" GET /healthz > "$T/out"
check "colour always" "1" "$([ "$(grep -c "$(printf '\033')" "$T/out")" -gt 0 ] && echo 1 || echo 0)"
NO_COLOR=1 "$KAP" explain --color=auto "$T/p.yaml" GET /healthz > "$T/out"
check "NO_COLOR" "0" "$(grep -c "$(printf '\033')" "$T/out")"
"$KAP" explain --color "$T/p.yaml" GET /healthz > "$T/out"
check "bare --color is always" "1" "$([ "$(grep -c "$(printf '\033')" "$T/out")" -gt 0 ] && echo 1 || echo 0)"
"$KAP" explain -o json --color=always "$T/p.yaml" GET /healthz > "$T/out"
check "no colour in JSON" "0" "$(grep -c "$(printf '\033')" "$T/out")"

# a JSON request, inline and from standard input
"$KAP" explain -o json "$T/p.yaml" --json '{"user":"system:kube-proxy","verb":"watch","resource":"endpoints","resourceRequest":true}' > "$T/out"; rc=$?
check "json inline exit" 0 "$rc"
check "json inline rule" '"rule":0' "$(grep -o '^{"rule":[0-9-]*' "$T/out" | sed 's/^{//')"
printf '{"verb":"get",\n "path":"/healthz"}\n' | "$KAP" explain -o json "$T/p.yaml" --json - > "$T/out"; rc=$?
check "json stdin exit" 0 "$rc"
check "json stdin request" '"request":{"user":null,"groups":[],"verb":"get","namespace":"","apiGroup":"","apiVersion":"","resource":"","subresource":"","name":"","resourceRequest":false,"path":"/healthz"}' "$(grep -o '"request":{[^}]*}' "$T/out")"

# flags: --resource R/SUB is resource and subresource; --group repeats
"$KAP" explain -o json "$T/p.yaml" --user bob --group a --group b --verb get --namespace ns --resource pods/log --name web > "$T/out"
check "flags request" '"request":{"user":"bob","groups":["a","b"],"verb":"get","namespace":"ns","apiGroup":"","apiVersion":"","resource":"pods","subresource":"log","name":"web","resourceRequest":true,"path":""}' "$(grep -o '"request":{[^}]*}' "$T/out")"
check "flags rule" '{"rule":1' "$(cut -c1-9 "$T/out")"
"$KAP" explain -o json "$T/p.yaml" --verb get --path /metrics > "$T/out"
check "flags non-resource" '"resourceRequest":false,"path":"/metrics"' "$(grep -o '"resourceRequest":false,"path":"/metrics"' "$T/out")"

# strings that are not UTF-8 stay valid JSON
"$KAP" explain -o json "$T/p.yaml" GET '/%FF' > "$T/out"
check "not UTF-8" '"path":"/\ufffd"' "$(grep -o '"path":"[^"]*"' "$T/out")"

# requests kube-apiserver never audits: said so, exit 0
"$KAP" explain "$T/p.yaml" GET /api/v1/watch > "$T/out"; rc=$?
check "no event exit" 0 "$rc"
has "no event (500)" "no audit event: kube-apiserver answers 500 (failed to create RequestInfo): unable to determine kind and namespace from url, /api/v1/watch" "$T/out"
"$KAP" explain -o json "$T/p.yaml" GET /x/%zz > "$T/out"; rc=$?
check "no event json exit" 0 "$rc"
check "no event json" '{"noAuditEvent":true,"httpStatus":400,"reason":"Go'"'"'s HTTP server answers 400 Bad Request before kube-apiserver sees the request: invalid URL escape \"%zz\""}' "$(cat "$T/out")"
"$KAP" explain -o json "$T/p.yaml" GET healthz > "$T/out"
check "no leading slash" '"httpStatus":400' "$(grep -o '"httpStatus":400' "$T/out")"

# a policy that does not load: exit 1, its error as kap lint shows it
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Foo\n' > "$T/bad.yaml"
"$KAP" explain "$T/bad.yaml" GET /healthz > "$T/out" 2> "$T/err"; rc=$?
check "bad policy exit" 1 "$rc"
check "bad policy stdout" "" "$(cat "$T/out")"
check "bad policy error" "$T/bad.yaml:4:10: error: rules[0].level: Unsupported value: \"Foo\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"" "$(cat "$T/err")"
"$KAP" explain "$T/missing.yaml" GET /healthz > /dev/null 2> "$T/err"; rc=$?
check "missing policy exit" 1 "$rc"
has "missing policy error" "no such file or directory" "$T/err"
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: "*"}]\n' > "$T/star.yaml"
"$KAP" explain --kube-version 1.35 "$T/star.yaml" GET /healthz > /dev/null 2>&1; check "kube 1.35 refuses group *" 1 $?
"$KAP" explain --kube-version 1.36 "$T/star.yaml" GET /api/v1/pods > "$T/out" 2>&1; check "kube 1.36 takes group *" 0 $?

# a policy kube-apiserver loads leniently: the warning on stderr, the answer on stdout
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: ""\n    verbs: [get]\n' > "$T/lenient.yaml"
"$KAP" explain "$T/lenient.yaml" GET /api/v1/pods > "$T/out" 2> "$T/err"; rc=$?
check "lenient exit" 0 "$rc"
check "lenient warning" "$T/lenient.yaml:7:5: warning: unknown field \"rules[0].resources[0].verbs\"" "$(cat "$T/err")"
has "lenient decides" "  rule 0, line 4: matches -> Metadata" "$T/out"

# usage errors: exit 2 and a message
usage() { # name expected-fragment args...
  name=$1; frag=$2; shift 2
  "$KAP" explain "$@" > "$T/out" 2> "$T/err"; rc=$?
  check "$name: exit" 2 "$rc"
  has "$name: message" "$frag" "$T/err"
}
usage "no policy" "no policy file given"
usage "no request" "no request given" "$T/p.yaml"
usage "method alone" "give the request as METHOD URL" "$T/p.yaml" GET
usage "too many" "too many arguments" "$T/p.yaml" GET / extra
usage "url and verb" "only --user and --group go with it" "$T/p.yaml" --verb get GET /
usage "url and json" "only --user and --group go with it" "$T/p.yaml" --json '{}' GET /
usage "json and user" "no other request option goes with it" "$T/p.yaml" --json '{}' --user x
usage "group without user" "--group needs --user" "$T/p.yaml" --group system:masters GET /api/v1/pods
usage "bad output" "unknown output format 'xml'" -o xml "$T/p.yaml" GET /
usage "bad color" "--color takes auto, always or never" --color=rainbow "$T/p.yaml" GET /
usage "unknown option" "unknown option '--frobnicate'" --frobnicate "$T/p.yaml" GET /
usage "missing value" "option '--user' needs a value" "$T/p.yaml" GET / --user
usage "bad kube version" "--kube-version '1.99'" --kube-version 1.99 "$T/p.yaml" GET /
usage "bad json" "--json: not a request: unexpected end of JSON input" "$T/p.yaml" --json '{"verb":'
usage "json garbage" "--json: not a request: invalid character 'x'" "$T/p.yaml" --json 'x'
usage "json not an object" "--json: not a request: a request must be a JSON object" "$T/p.yaml" --json '[1]'
usage "json wrong type" "\"verb\" must be a string" "$T/p.yaml" --json '{"verb":1}'

"$KAP" explain --help > "$T/out"; rc=$?
check "help exit" 0 "$rc"
has "help usage" "usage: kap explain" "$T/out"
"$KAP" --help > "$T/out"
has "listed in kap --help" "  explain " "$T/out"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
