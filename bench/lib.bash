# bench/lib.bash: helpers shared by the benchmark scripts (sourced; not a benchmark itself).

# rps URL [wrk args...]: "N req/s, p99 T" from wrk -t2 -c64 over $DUR seconds.
rps() { local u=$1; shift; wrk -t2 -c64 -d"${DUR}s" --latency "$@" "$u" | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} /Non-2xx/ {e=$NF} END {printf "%s req/s, p99 %s", r, p; if (e) printf ", non-2xx %s", e}'; }

# nginx_start DIR PORT: nginx serving web/ on 127.0.0.1:PORT (2 workers);
# sets npid. Returns 1 when nginx is not installed.
nginx_start() {
  command -v nginx >/dev/null || return 1
  mkdir -p "$1/nginx"
  cat > "$1/nginx.conf" <<NGX
worker_processes 2; pid $1/nginx.pid; error_log $1/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$2; root $PWD/web; } }
NGX
  nginx -c "$1/nginx.conf" -p "$1/nginx" -g 'daemon off;' & npid=$!
  sleep 0.5
}

# free_port: a TCP port nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
