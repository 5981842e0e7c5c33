#!/usr/bin/env bash
# The YANG modules parse cleanly with yanglint, the control plane's embedded
# default configuration is valid instance data of rampart-dataplane, and
# documents the dataplane would refuse are refused by the model too.
#   test_yang.sh YANG_DIR DEFAULT_CONFIG_JSON
set -euo pipefail
yang_dir="$1" default_config="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

for m in "$yang_dir"/*.yang; do
	if ! out="$(yanglint -p "$yang_dir" "$m" 2>&1)" || [[ -n $out ]]; then
		echo "FAIL lint $m: $out"
		fails=$((fails + 1))
	else
		echo "ok   lint $(basename "$m")"
		passes=$((passes + 1))
	fi
done

wrap() { # JSON document -> rampart-dataplane instance data
	/usr/bin/python3 -c 'import json,sys; print(json.dumps({"rampart-dataplane:dataplane": json.loads(sys.argv[1])}))' "$1"
}

check_data() { # expect(valid|invalid) name yanglint-type instance-data
	local want="$1" name="$2" type="$3" got=valid
	printf '%s' "$4" >"$tmp/data.json"
	yanglint -t "$type" -p "$yang_dir" "$yang_dir/rampart-dataplane.yang" "$tmp/data.json" \
		>"$tmp/out" 2>&1 || got=invalid
	if [[ $got == "$want" ]]; then
		echo "ok   $name: $want"
		passes=$((passes + 1))
	else
		echo "FAIL $name: want $want, got $got: $(cat "$tmp/out")"
		fails=$((fails + 1))
	fi
}

check() { # expect(valid|invalid) name document: a config document the dataplane takes
	check_data "$1" "$2" config "$(wrap "$3")"
}

# docs/yang-tree.txt is the model's tree as yanglint prints it; keep it true.
tree_doc="$yang_dir/../docs/yang-tree.txt"
if diff -u "$tree_doc" <(yanglint -f tree -p "$yang_dir" -p "$yang_dir/ietf" \
	"$yang_dir/rampart-dataplane.yang") >"$tmp/tree.diff" 2>&1; then
	echo "ok   docs/yang-tree.txt matches the model"
	passes=$((passes + 1))
else
	echo "FAIL docs/yang-tree.txt is stale; regenerate with:"
	echo "     yanglint -f tree -p yang -p yang/ietf yang/rampart-dataplane.yang > docs/yang-tree.txt"
	cat "$tmp/tree.diff"
	fails=$((fails + 1))
fi

check valid "embedded default config" "$(cat "$default_config")"
check invalid "port index out of range" '{"schema":1,"ports":[{"port":9}]}'
check invalid "bad IPv4 address" '{"schema":1,"ports":[{"port":0,"addresses":["10.10.1.300/24"]}]}'
check invalid "mtu too small" '{"schema":1,"ports":[{"port":0,"mtu":100}]}'
check invalid "unknown member" '{"schema":1,"ports":[],"colour":1}'
check invalid "probes out of range" '{"schema":1,"neighbour":{"probes":0}}'
check invalid "wrong schema" '{"schema":2}'
check valid "tcp and test services" '{"schema":1,"ports":[],"tcp":{"max-connections-per-worker":64,"receive-buffer":65536},"test-services":[{"port":7,"service":"echo"},{"port":9,"service":"discard"}]}'
check invalid "tcp connections out of range" '{"schema":1,"tcp":{"max-connections-per-worker":0}}'
check valid "tcp defences" '{"schema":1,"ports":[],"tcp":{"syn-backlog":1,"syn-cookies":false,"max-half-open-per-source":4,"max-connections-per-source":0}}'
check invalid "syn-backlog out of range" '{"schema":1,"tcp":{"syn-backlog":0}}'
check invalid "per-source limit out of range" '{"schema":1,"tcp":{"max-connections-per-source":8193}}'
check invalid "unknown test service" '{"schema":1,"test-services":[{"port":7,"service":"chargen"}]}'

# Operational state (config false): valid as state data, refused as config
# (it is never part of a configuration, nor of what is pushed to rampart-dp).
state='{"rampart-dataplane:dataplane":{"schema":1},"rampart-dataplane:dataplane-state":{"layer":[{"name":"icmp","counter":[{"name":"rx","value":"3"}]}],"worker":[{"index":0,"lcore":1,"busy-percent":7,"rx-packets":"12"}]}}'
check_data valid "dataplane-state as state data" data "$state"
check_data invalid "dataplane-state in a configuration" config "$state"
check_data invalid "busy-percent out of range" data '{"rampart-dataplane:dataplane":{"schema":1},"rampart-dataplane:dataplane-state":{"worker":[{"index":0,"busy-percent":101}]}}'

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
