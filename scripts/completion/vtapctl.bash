# bash completion for vtapctl(8): commands, their flags, and the policy
# names of the running vtapd (asked over its socket: --socket is honoured)
_vtapctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="validate status policies stats reload capture extcap teardown version"
	local i cmd="" sock=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--socket) sock=${words[i + 1]}; ((i++)) ;;
		--socket=*) sock=${words[i]#--socket=} ;;
		--pin-root) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	--socket | -w | --fifo)
		_filedir
		return
		;;
	--pin-root)
		_filedir -d
		return
		;;
	-c | --extcap-capture-filter | --extcap-version)
		return
		;;
	--extcap-interface)
		COMPREPLY=($(compgen -W "$(vtapctl ${sock:+--socket "$sock"} extcap --extcap-interfaces 2>/dev/null |
			sed -n 's/^interface {value=\([^}]*\)}.*/\1/p')" -- "$cur"))
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --pin-root --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	# the policies of the running daemon (nothing when it does not answer)
	_vtapctl_policies()
	{
		vtapctl ${sock:+--socket "$sock"} policies 2>/dev/null | awk 'NR > 1 { print $1 }'
	}

	case $cmd in
	validate)
		_filedir '@(yaml|yml)'
		;;
	status | policies)
		COMPREPLY=($(compgen -W "--json" -- "$cur"))
		;;
	stats)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--json" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vtapctl_policies) --json" -- "$cur"))
		fi
		;;
	extcap)
		COMPREPLY=($(compgen -W "--extcap-interfaces --extcap-dlts --extcap-config --capture
			--extcap-interface --fifo --socket --extcap-version --extcap-capture-filter" -- "$cur"))
		;;
	capture)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-w -c" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vtapctl_policies)" -- "$cur"))
		fi
		;;
	esac
} &&
	complete -F _vtapctl vtapctl
