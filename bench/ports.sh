# Sourced by the bench scripts.

# A loopback TCP port nothing listens on (Orleans' silo and gateway ports cannot be 0; the caller binds it right away).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    [ -z "$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return; }
  done
}
