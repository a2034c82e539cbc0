# bash completion for vtapctl(8): commands, their flags, the policy names of
# the running vtapd (asked over its socket: --socket is honoured) and, for
# cluster get/delete, the documents of the store (--etcd and the TLS and
# prefix options are honoured)
_vtapctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="validate status policies stats reload capture extcap teardown version cluster"
	local i cmd="" sock="" sub="" store=()
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--socket) sock=${words[i + 1]}; ((i++)) ;;
		--socket=*) sock=${words[i]#--socket=} ;;
		--pin-root) ((i++)) ;;
		--etcd | --etcd-prefix | --etcd-cacert | --etcd-cert | --etcd-key | --etcd-user | \
			--etcd-password-file)
			store+=("${words[i]}" "${words[i + 1]}"); ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	# cluster SUBCOMMAND
	[[ $cmd == cluster ]] && ((i + 1 < cword)) && sub=${words[i + 1]}

	case $prev in
	--socket | -w | --fifo | --etcd-cacert | --etcd-cert | --etcd-key | --etcd-password-file)
		_filedir
		return
		;;
	--etcd | --etcd-prefix | --etcd-user | --node | --revision | --timeout)
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
			COMPREPLY=($(compgen -W "--socket --pin-root --help --version --etcd --etcd-prefix
				--etcd-cacert --etcd-cert --etcd-key --etcd-user --etcd-password-file" -- "$cur"))
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
	cluster)
		# the store's documents (every node's: cluster get lists them)
		_vtapctl_docs()
		{
			[[ ${#store[@]} -gt 0 ]] || return
			vtapctl "${store[@]}" cluster get 2>/dev/null |
				sed -n 's|^# .*/\([^/]*\)\.yaml (revision [0-9]*)$|\1|p'
		}
		case $sub in
		"") COMPREPLY=($(compgen -W "apply delete get status stats wait" -- "$cur")) ;;
		apply)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--node" -- "$cur"))
			else
				_filedir '@(yaml|yml)'
			fi
			;;
		delete | get) COMPREPLY=($(compgen -W "$(_vtapctl_docs) --node" -- "$cur")) ;;
		status) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
		stats) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
		wait) COMPREPLY=($(compgen -W "--revision --timeout" -- "$cur")) ;;
		esac
		;;
	esac
} &&
	complete -F _vtapctl vtapctl
