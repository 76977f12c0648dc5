#!/bin/bash
# Records the FTP captures: a foreground vsftpd with its own config file and
# curl / lftp clients, passive data connections on ports 40000-40010.
# Usage (as root): testdata/record/ftp.sh
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

FTP_USER=ibmitst
FTP_PW=Fake-Pw-ftp-7Q # listed in testdata/secrets.txt
DATA='portrange 40000-40010'

drop_user() { del_user "$FTP_USER"; }
CLEANUP_HOOKS+=(drop_user)
add_user "$FTP_USER" "$FTP_PW"
home=$(getent passwd "$FTP_USER" | cut -d: -f6)
printf 'hello from ibmitap testdata\n' >"$home/hello.txt"
chown "$FTP_USER:" "$home/hello.txt"

mkdir -p "$WORK/anon"
printf 'anonymous hello\n' >"$WORK/anon/pub.txt"
chmod 755 "$WORK" "$WORK/anon"

# vsftpd_conf FILE EXTRA-LINES... writes a config; the common part first.
vsftpd_conf() {
	local f=$1
	shift
	{
		cat <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
background=NO
seccomp_sandbox=NO
pam_service_name=vsftpd
secure_chroot_dir=/var/run/vsftpd/empty
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=40000
pasv_max_port=40010
dirlist_enable=YES
download_enable=YES
write_enable=NO
xferlog_enable=NO
vsftpd_log_file=$WORK/vsftpd.log
EOF
		printf '%s\n' "$@"
	} >"$f"
}

TLS_LINES=(
	ssl_enable=YES
	"rsa_cert_file=$CERT"
	"rsa_private_key_file=$KEY"
	ssl_ciphers=HIGH
	allow_anon_ssl=NO
	force_local_logins_ssl=YES
	force_local_data_ssl=YES
)

# session PCAP CTRLPORT CONF CLIENT... : start vsftpd, capture, run the client.
session() {
	local file=$1 port=$2 conf=$3
	shift 3
	bg timeout 60 vsftpd "$conf"
	local srv=$LAST_PID
	wait_port "$port"
	cap_start "$file" "port $port or $DATA"
	timeout 30 "$@"
	sleep 0.5
	cap_stop
	stop_pid "$srv"
	wait_free "$port"
}

URL=ftp://$FTP_USER:$FTP_PW@127.0.0.1

# Plain FTP: listing and a small download over one control connection (EPSV).
vsftpd_conf "$WORK/plain.conf" listen_port=21 local_enable=YES anonymous_enable=NO ssl_enable=NO
session ftp-plain-curl.pcap 21 "$WORK/plain.conf" \
	curl -sS "$URL/" "$URL/hello.txt"

# Explicit FTPS: AUTH TLS accepted, login and data connections protected.
# lftp sends AUTH TLS; curl (below) sends AUTH SSL, which vsftpd accepts too.
vsftpd_conf "$WORK/authtls.conf" listen_port=21 local_enable=YES anonymous_enable=NO "${TLS_LINES[@]}"
session ftp-authtls-ok.pcap 21 "$WORK/authtls.conf" \
	lftp -e 'set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no; set net:max-retries 1; ls; cat hello.txt; bye' \
	-u "$FTP_USER,$FTP_PW" 127.0.0.1
session ftp-authssl-curl.pcap 21 "$WORK/authtls.conf" \
	curl -sS --ssl-reqd -k "$URL/" "$URL/hello.txt"

# AUTH TLS refused (no ssl_enable): lftp tries it, then logs in in clear (PASV).
session ftp-authtls-refused-lftp.pcap 21 "$WORK/plain.conf" \
	lftp -e 'set ftp:ssl-allow yes; set net:max-retries 1; ls; bye' -u "$FTP_USER,$FTP_PW" 127.0.0.1

# Implicit FTPS on 990: TLS from the first byte, listing and a download.
vsftpd_conf "$WORK/implicit.conf" listen_port=990 implicit_ssl=YES local_enable=YES anonymous_enable=NO "${TLS_LINES[@]}"
IURL=ftps://$FTP_USER:$FTP_PW@127.0.0.1:990
session ftps-implicit-990.pcap 990 "$WORK/implicit.conf" \
	curl -sS --ssl-reqd -k "$IURL/" "$IURL/hello.txt"

# Anonymous login (curl sends USER anonymous, PASS ftp@example.com).
vsftpd_conf "$WORK/anon.conf" listen_port=21 local_enable=NO anonymous_enable=YES \
	"anon_root=$WORK/anon" no_anon_password=NO ssl_enable=NO
session ftp-anonymous.pcap 21 "$WORK/anon.conf" \
	curl -sS ftp://127.0.0.1/ ftp://127.0.0.1/pub.txt
