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

# rampart-system (rampart-cp's users and session limits) has its own tree doc.
sys_tree_doc="$yang_dir/../docs/yang-tree-system.txt"
if diff -u "$sys_tree_doc" <(yanglint -f tree -p "$yang_dir" -p "$yang_dir/ietf" \
	"$yang_dir/rampart-system.yang") >"$tmp/tree.diff" 2>&1; then
	echo "ok   docs/yang-tree-system.txt matches the model"
	passes=$((passes + 1))
else
	echo "FAIL docs/yang-tree-system.txt is stale; regenerate with:"
	echo "     yanglint -f tree -p yang -p yang/ietf yang/rampart-system.yang > docs/yang-tree-system.txt"
	cat "$tmp/tree.diff"
	fails=$((fails + 1))
fi

check_system() { # expect(valid|invalid) name rampart-system config instance data
	local want="$1" name="$2" got=valid
	printf '%s' "$3" >"$tmp/sys.json"
	yanglint -t config -p "$yang_dir" -p "$yang_dir/ietf" "$yang_dir/rampart-system.yang" \
		"$tmp/sys.json" >"$tmp/out" 2>&1 || got=invalid
	if [[ $got == "$want" ]]; then
		echo "ok   $name: $want"
		passes=$((passes + 1))
	else
		echo "FAIL $name: want $want, got $got: $(cat "$tmp/out")"
		fails=$((fails + 1))
	fi
}
check_system valid "user with a crypt hash" '{"rampart-system:system":{"authentication":{"user":[{"name":"ops","password":"$6$abcdefgh$BOw/nV5aU2HJ8o7otKMCN5S.MoSoxPoAUYewKjq5oSqs8UMghGB3x4G4HaPK7NZqL54npGT9hs/qRSokU.4Qt/"}]}}}'
check_system invalid "plain password" '{"rampart-system:system":{"authentication":{"user":[{"name":"ops","password":"secret-password"}]}}}'
check_system invalid "max-sessions 0" '{"rampart-system:system":{"netconf-server":{"max-sessions":0}}}'
check_system valid "idle-timeout off" '{"rampart-system:system":{"netconf-server":{"idle-timeout":0,"max-sessions":1024}}}'

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
check valid "http proxy" '{"schema":1,"ports":[],"http":{"max-sessions-per-worker":64,"limits":{"request-line":1024},"timeouts":{"header-read-ms":2000}},"listeners":[{"name":"web","port":80},{"name":"web2","port":8080,"address":"10.10.1.1"}],"upstreams":[{"name":"pool","servers":[{"address":"10.10.2.2","port":8000,"weight":2}],"balance":"least-connections","health-check":{"path":"/health"},"keepalive":{"max-idle":4}}],"routes":[{"name":"api","listener":"web","host":"*.example.com","path-prefix":"/api","methods":["GET","POST"],"upstream":"pool"},{"name":"any","listener":"web","upstream":"pool"}]}'
check valid "http access-log path" '{"schema":1,"http":{"access-log":"/var/log/rampart/access.log"}}'
check invalid "http access-log relative" '{"schema":1,"http":{"access-log":"access.log"}}'
check invalid "http access-log a directory" '{"schema":1,"http":{"access-log":"/var/log/"}}'
check invalid "route to an unknown upstream" '{"schema":1,"listeners":[{"name":"web","port":80}],"routes":[{"name":"api","listener":"web","upstream":"none"}]}'
check invalid "upstream without servers" '{"schema":1,"upstreams":[{"name":"pool","servers":[]}]}'
check invalid "bad route method" '{"schema":1,"listeners":[{"name":"web","port":80}],"upstreams":[{"name":"p","servers":[{"address":"10.0.0.1","port":80}]}],"routes":[{"name":"a","listener":"web","methods":["BREW"],"upstream":"p"}]}'
check invalid "unknown test service" '{"schema":1,"test-services":[{"port":7,"service":"chargen"}]}'
check valid "send and relay test services, keep-alive" '{"schema":1,"tcp":{"keepalive-idle-ms":1000,"keepalive-interval-ms":100,"keepalive-probes":3},"test-services":[{"port":19,"service":"send","bytes":1048576},{"port":8,"service":"relay","upstream":"10.10.2.2","upstream-port":5001},{"port":6,"service":"relay","upstream":"fd00:10:2::2","upstream-port":5001}]}'
check invalid "relay without upstream" '{"schema":1,"test-services":[{"port":8,"service":"relay","upstream-port":5001}]}'
check invalid "bytes on an echo service" '{"schema":1,"test-services":[{"port":7,"service":"echo","bytes":10}]}'
check invalid "keep-alive probes zero" '{"schema":1,"tcp":{"keepalive-probes":0}}'

# Operational state (config false): valid as state data, refused as config
# (it is never part of a configuration, nor of what is pushed to rampart-dp).
state='{"rampart-dataplane:dataplane":{"schema":1},"rampart-dataplane:dataplane-state":{"layer":[{"name":"icmp","counter":[{"name":"rx","value":"3"}]}],"worker":[{"index":0,"lcore":1,"busy-percent":7,"rx-packets":"12"}]}}'
check_data valid "dataplane-state as state data" data "$state"
check_data invalid "dataplane-state in a configuration" config "$state"
check_data invalid "busy-percent out of range" data '{"rampart-dataplane:dataplane":{"schema":1},"rampart-dataplane:dataplane-state":{"worker":[{"index":0,"busy-percent":101}]}}'

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
