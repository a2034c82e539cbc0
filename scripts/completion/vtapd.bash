# bash completion for vtapd(8) and vtap-dpdk(8): their options, read from
# their own --help (so it never lags behind them), and the values some take
_vtap_daemon()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	--policy-dir | --pin-root | --state-dir)
		_filedir -d
		return
		;;
	--socket)
		_filedir
		return
		;;
	--log-level)
		COMPREPLY=($(compgen -W "error warn info debug" -- "$cur"))
		return
		;;
	--engine | --attach)
		COMPREPLY=($(compgen -W "auto $([[ $prev == --engine ]] && echo ebpf dpdk || echo xdp tc)" -- "$cur"))
		return
		;;
	--metrics)
		COMPREPLY=($(compgen -W "127.0.0.1: [::1]: 0.0.0.0:" -- "$cur"))
		compopt -o nospace
		return
		;;
	--*)
		[[ $("$1" --help 2>/dev/null) == *"$prev "[A-Z]* ]] && return # takes a value
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)" -- "$cur"))
	fi
} &&
	complete -F _vtap_daemon vtapd vtap-dpdk
