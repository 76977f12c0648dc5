#!/bin/sh
# Records testdata/smb-*.pcap on loopback with Debian's samba 4.17 and smbclient.
# Run as root from the repository root. Creates a throwaway user (ibmismb) and a
# private samba tree under $D; removes both at the end.
set -eu
D=${D:-/tmp/ibmitap-smb}
OUT=${OUT:-testdata}
PW=Fake-Pw-smb-8W
U=ibmismb
rm -rf "$D"; mkdir -p "$D/share" "$D/run" "$D/private" "$D/lock" "$D/cache" "$D/state"
echo "hello from the share" > "$D/share/hello.txt"
cat > "$D/smb.conf" <<CONF
[global]
  workgroup = IBMITEST
  netbios name = IBMITAPSRV
  interfaces = 127.0.0.1
  bind interfaces only = yes
  smb ports = 445 139
  server role = standalone server
  server min protocol = NT1
  ntlm auth = yes
  passdb backend = tdbsam:$D/private/passdb.tdb
  private dir = $D/private
  lock directory = $D/lock
  state directory = $D/state
  cache directory = $D/cache
  pid directory = $D/run
  ncalrpc dir = $D/run/ncalrpc
  log file = $D/log.%m
  disable spoolss = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
[share]
  path = $D/share
  read only = no
CONF
id "$U" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$U"
chown -R "$U" "$D/share"
printf '%s\n%s\n' "$PW" "$PW" | smbpasswd -c "$D/smb.conf" -s -a "$U" >/dev/null
smbd -F --no-process-group -s "$D/smb.conf" >"$D/smbd.out" 2>&1 &
SMBD=$!
sleep 3

cap() { # name filter client-args...
	name=$1; filter=$2; shift 2
	tcpdump -i lo -U -n -s 0 -w "$OUT/smb-$name.pcap" "$filter" >/dev/null 2>&1 &
	T=$!
	sleep 1
	timeout 20 smbclient -s "$D/smb.conf" "$@" >"$D/client-$name.out" 2>&1 || true
	sleep 1
	kill $T; wait $T 2>/dev/null || true
}
A="//127.0.0.1/share -U $U%$PW -c"
cap smb3-plain 'tcp port 445' $A 'get hello.txt /dev/null'
cap smb3-encrypted 'tcp port 445' $A 'get hello.txt /dev/null' --option='client smb encrypt=required'
cap smb1 'tcp port 445' $A 'get hello.txt /dev/null' -m NT1 --option='client min protocol=NT1'
cap ntlmv1 'tcp port 445' $A 'ls' --option='client ntlmv2 auth=no' --option='client use spnego=no' -m NT1 --option='client min protocol=NT1'
cap ntlmssp-v1 'tcp port 445' $A 'ls' --option='client ntlmv2 auth=no'
cap nbt139 'tcp port 139' $A 'ls' -p 139
cap logonfail 'tcp port 445' //127.0.0.1/share -U "$U%Fake-Pw-wrong-1Z" -c ls

kill $SMBD 2>/dev/null || true; wait $SMBD 2>/dev/null || true

# NetBIOS name service: nmbd answers a name query on 127.0.0.1:137.
nmbd -F --no-process-group -s "$D/smb.conf" >"$D/nmbd.out" 2>&1 &
NMBD=$!
sleep 3
tcpdump -i lo -U -n -s 0 -w "$OUT/smb-nbns.pcap" 'udp port 137' >/dev/null 2>&1 &
T=$!
sleep 1
timeout 10 nmblookup -s "$D/smb.conf" -U 127.0.0.1 --recursion IBMITAPSRV >"$D/client-nbns.out" 2>&1 || true
sleep 1
kill $T; wait $T 2>/dev/null || true
kill $NMBD 2>/dev/null || true; wait $NMBD 2>/dev/null || true
userdel "$U" 2>/dev/null || true
