#!/bin/sh
# The kap command-line contract (formats.md): output forms and exit codes.
set -u
KAP=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then passes=$((passes + 1)); else
    fails=$((fails + 1)); printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"; fi
}

cat > "$T/p.yaml" <<'Y'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [get]
- level: None
  nonResourceURLs: ["/healthz*"]
Y
printf '{"verb":"get","resourceRequest":true}\n\n{"verb":1}\n{"path":"/healthz/x"}\nnot json\n' > "$T/in"
"$KAP" eval "$T/p.yaml" < "$T/in" > "$T/out"; rc=$?
check "eval exit status with a bad line" 2 "$rc"
expected='{"level":"Metadata","omitStages":["RequestReceived"],"omitManagedFields":false,"rule":0}

{"error":"line 3: \"verb\" must be a string, not number"}
{"level":"None","omitStages":["RequestReceived"],"omitManagedFields":false,"rule":1}
{"error":"line 5: invalid character '\''o'\'' in literal null (expecting '\''u'\'')"}'
check "eval output" "$expected" "$(cat "$T/out")"

printf '{"verb":"list"}\n' | "$KAP" eval "$T/p.yaml" > "$T/out"; rc=$?
check "eval ok exit" 0 "$rc"
check "eval no match" '{"level":"None","omitStages":["RequestReceived"],"omitManagedFields":false,"rule":-1}' "$(cat "$T/out")"

printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Foo\n' > "$T/bad.yaml"
printf '{}\n' | "$KAP" eval "$T/bad.yaml" > "$T/out" 2> "$T/err"; rc=$?
check "eval bad policy exit" 1 "$rc"
check "eval bad policy reads nothing" "" "$(cat "$T/out")"

"$KAP" lint -o k8s "$T/bad.yaml" > "$T/out" 2> "$T/err"; rc=$?
check "lint k8s exit" 1 "$rc"
check "lint k8s text" 'rules[0].level: Unsupported value: "Foo": supported values: "None", "Metadata", "Request", "RequestResponse"' "$(cat "$T/out")"
check "lint k8s no warning" "" "$(cat "$T/err")"

"$KAP" lint "$T/bad.yaml" > "$T/out"; rc=$?
check "lint human" "$T/bad.yaml:4:10: error: rules[0].level: Unsupported value: \"Foo\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\" [invalid-policy]" "$(head -n 1 "$T/out")"

printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  foo: 1\n' > "$T/warn.yaml"
"$KAP" lint -o k8s "$T/warn.yaml" > "$T/out" 2> "$T/err"; rc=$?
check "lint warn exit" 0 "$rc"
check "lint warn stdout" "" "$(cat "$T/out")"
check "lint warn stderr" 'warning: Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rules[0].foo"' "$(cat "$T/err")"
"$KAP" lint "$T/warn.yaml" "$T/p.yaml" > "$T/out"; rc=$?
check "lint human warn" "$T/warn.yaml:5:3: warning: kube-apiserver ignores the key \"foo\" in a rule, so it has no effect [ignored-key]" "$(head -n 1 "$T/out")"
check "lint two files exit" 0 "$rc"
# -o k8s with several files: each line names its file (one file: kube-apiserver's text as is)
"$KAP" lint -o k8s "$T/bad.yaml" "$T/warn.yaml" "$T/p.yaml" > "$T/out" 2> "$T/err"; rc=$?
check "lint k8s files exit" 1 "$rc"
check "lint k8s files stdout" "$T/bad.yaml: rules[0].level: Unsupported value: \"Foo\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"" "$(cat "$T/out")"
check "lint k8s files stderr" "$T/warn.yaml: warning: Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field \"rules[0].foo\"" "$(cat "$T/err")"

"$KAP" lint > /dev/null 2>&1; check "lint usage" 2 $?
"$KAP" lint -o xml "$T/p.yaml" > /dev/null 2>&1; check "lint bad -o" 2 $?
"$KAP" eval > /dev/null 2>&1; check "eval usage" 2 $?
"$KAP" frobnicate > /dev/null 2>&1; check "unknown command" 2 $?
"$KAP" lint --help | grep -q 'usage: kap lint'; check "lint help" 0 $?
"$KAP" eval --help | grep -q 'usage: kap eval'; check "eval help" 0 $?
"$KAP" --help | grep -q 'usage: kap'; check "main help" 0 $?
"$KAP" lint -o k8s "$T/missing.yaml" > "$T/out" 2>/dev/null; rc=$?
check "lint missing exit" 1 "$rc"
check "lint missing text" "failed to read file path \"$T/missing.yaml\": open $T/missing.yaml: no such file or directory" "$(cat "$T/out")"
"$KAP" lint -o k8s --kube-version 1.35 "$SRC/examples/policy.yaml" > /dev/null 2>&1; check "example policy lints on 1.35" 0 $?
"$KAP" eval --kube-version 1.99 "$T/p.yaml" < /dev/null > /dev/null 2>&1; check "bad kube version" 2 $?

"$KAP" eval --format table "$SRC/examples/policy.yaml" < "$SRC/examples/requests.jsonl" > "$T/out"; rc=$?
check "table exit" 0 "$rc"
check "table has a header and a row per request" "$(( $(grep -c . "$SRC/examples/requests.jsonl") + 1 ))" "$(grep -c . "$T/out")"

# the table quotes request strings with control characters (C0, DEL, C1, not
# UTF-8) as JSON strings, so nothing from a client acts on a terminal; others
# stand as they are
printf '%s\n' '{"user":"a\u001b[31m","verb":"get\nX","path":"/\u001b]0;t\u0007"}' \
  '{"user":"\u00e9l\u00e8ve","verb":"get","resourceRequest":true,"apiGroup":"apps","resource":"p\u009bods","name":"n\u007f"}' \
  '{"user":"\u00e9l\u00e8ve","verb":"list","path":"/\u00e9t\u00e9"}' > "$T/ctl"
"$KAP" eval --format table "$T/p.yaml" < "$T/ctl" | sed '1d; s/ *$//' > "$T/out"
check "table escapes control characters" '  1  "a\u001b[31m"            "get\nX"  "/\u001b]0;t\u0007"              None            none           RequestReceived
  2  élève                    get       "apps/p\u009bods n\u007f"        Metadata        0 (line 5)     RequestReceived
  3  élève                    list      /été                             None            none           RequestReceived' "$(cat "$T/out")"

# cells are padded and cut by terminal columns, not bytes: a row with
# non-ASCII values lines up with the same row in ASCII (e for é, a for a
# combining accent's letter, aa for the wide 日 and ᄀ, nothing for the
# combining U+0483, one column for the unassigned U+0378); a cut never splits a wide
# character or an escape of a quoted value
printf '%s\n' '{"user":"z\u00e9\u00e9","verb":"l\u00e9st","path":"/\u65e5\u65e5"}' \
  '{"user":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9","verb":"get","path":"/"}' \
  '{"user":"a\u0301\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5","verb":"get","path":"/"}' \
  '{"user":"abcdefghijklmnopqrstu\u001b[31m","verb":"get","path":"/"}' \
  '{"user":"\u1100x\u0483\u0378y","verb":"get","path":"/"}' > "$T/utf8"
printf '%s\n' '{"user":"zee","verb":"lest","path":"/aaaa"}' \
  '{"user":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeee","verb":"get","path":"/"}' \
  '{"user":"aaaaaaaaaaaaaaaaaaaaaaa","verb":"get","path":"/"}' \
  '{"user":"abcdefghijklmnopqrstu","verb":"get","path":"/"}' \
  '{"user":"aaxay","verb":"get","path":"/"}' > "$T/ascii"
"$KAP" eval --format table "$T/p.yaml" < "$T/utf8" | sed '1d; s/é/e/g; s/a\xcc\x81/a/g; s/日/aa/g; s/\xe1\x84\x80/aa/g; s/\xd2\x83//g; s/\xcd\xb8/a/g' > "$T/out"
"$KAP" eval --format table "$T/p.yaml" < "$T/ascii" | sed '1d; 5s/ abcdefghijklmnopqrstu  / "abcdefghijklmnopqrstu /' > "$T/want"
check "table pads by columns" "$(cat "$T/want")" "$(cat "$T/out")"
check "table cuts by columns" "24" "$(sed -n 2p "$T/out" | cut -c6-29 | tr -cd e | wc -c | tr -d ' ')"

# a quoted value's escape is never cut: it fits whole (ending at the 24th
# column) or the cell ends before it; ASCII is one column a character
printf '%s\n' '{"user":"abcdefghijklmnopq\u001bz","verb":"get","path":"/"}' \
  '{"user":"abcdefghijklmnopqr\u001b","verb":"get","path":"/"}' \
  '{"user":"abcdefghijklmnopqrstu\nx","verb":"get","path":"/"}' \
  '{"user":"abcdefghijklmnopqrstuv\n","verb":"get","path":"/"}' \
  '{"user":"x@example.com","verb":"get","path":"/"}' > "$T/esc"
"$KAP" eval --format table "$T/p.yaml" < "$T/esc" | sed 1d | cut -c6-31 > "$T/out"
check "table cuts before an escape" '"abcdefghijklmnopq\u001b g
"abcdefghijklmnopqr      g
"abcdefghijklmnopqrstu\n g
"abcdefghijklmnopqrstuv  g
x@example.com            g' "$(cat "$T/out")"

# a string holding NUL is kept whole: "a\0b" is not "a"
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: ["a\\0b"]\n- level: Metadata\n' > "$T/nul.yaml"
printf '{"user":"a\\u0000b"}\n{"user":"a"}\n' | "$KAP" eval "$T/nul.yaml" > "$T/out"; rc=$?
check "eval NUL exit" 0 "$rc"
check "eval NUL in a string" '{"level":"None","omitStages":[],"omitManagedFields":false,"rule":0}
{"level":"Metadata","omitStages":[],"omitManagedFields":false,"rule":1}' "$(cat "$T/out")"

# --kube-version follows the release's texts (docs/releases.md)
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  namespaces: [a]\n  nonResourceURLs: ["/x", "/y"]\n' > "$T/urls.yaml"
"$KAP" lint -o k8s --kube-version 1.33 "$T/urls.yaml" > "$T/out" 2>&1; rc=$?
check "1.33 lint exit" 1 "$rc"
check "1.33 prints a list with %#v" 'rules[0].nonResourceURLs: Invalid value: []string{"/x", "/y"}: rules cannot apply to both regular resources and non-resource URLs' "$(cat "$T/out")"
"$KAP" lint -o k8s --kube-version 1.34 "$T/urls.yaml" > "$T/out" 2>&1
check "1.34 prints a list as JSON" 'rules[0].nonResourceURLs: Invalid value: ["/x","/y"]: rules cannot apply to both regular resources and non-resource URLs' "$(cat "$T/out")"
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\n~: [a, 1]\nrules:\n- level: None\n' > "$T/key.yaml"
"$KAP" lint -o k8s --kube-version 1.30 "$T/key.yaml" > "$T/out" 2>&1
check "1.30 map key" 'failed decoding: Unsupported map key of type: %!s(<nil>), key: <nil>, value: []interface {}{"a", 1}' "$(cat "$T/out")"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
