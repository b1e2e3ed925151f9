# Read a trace of `strace -f -y` (cmd/t6010-fsync-order.sh) and check that
# every ref update in the repository whose git directory is gitdir (set
# with -v gitdir=/abs/.git) comes after the objects it may point at are
# on disk.
#
# An object file is a file placed under objects/ (by link or rename of a
# temporary file, or created there) whose name does not start with tmp_.
# Its content is synced when an fsync of it (under any of its names) or
# a syncfs comes after its last write; its directory entry is synced when
# an fsync of its directory or a syncfs comes after it was placed. A ref
# update is a rename of a lock file onto refs/..., packed-refs or HEAD:
# each must find every object placed before it synced both ways, and its
# own lock file's content synced.
#
# Prints, for the evidence, a line per object ("object PATH: ...") and per
# ref update ("ref NAME: ..."), a "NOT SYNCED: ..." line per violation and
# "checked N ref updates, M objects"; exits 1 on a violation or when the
# trace holds no ref update.

function rel(p) {
	if (substr(p, 1, length(gitdir) + 1) == gitdir "/")
		return substr(p, length(gitdir) + 2)
	return ""
}

function dirname(p) {
	sub(/\/[^\/]*$/, "", p)
	return p
}

function basename(p) {
	sub(/^.*\//, "", p)
	return p
}

# the path of the descriptor argument "N</path>" at the start of s
function fdpath(s) {
	if (!match(s, /^-?[0-9A-Z_]+<[^>]*>/))
		return ""
	s = substr(s, RSTART, RLENGTH)
	sub(/^[^<]*</, "", s)
	sub(/>$/, "", s)
	sub(/ \(deleted\)$/, "", s)
	return s
}

# the n-th quoted string of s
function quoted(s, n,    i) {
	for (i = 1; i <= n; i++) {
		if (!match(s, /"([^"\\]|\\.)*"/))
			return ""
		if (i < n)
			s = substr(s, RSTART + RLENGTH)
	}
	return substr(s, RSTART + 1, RLENGTH - 2)
}

# a path argument relative to the directory descriptor dirfd ("" for
# an absolute path or none)
function resolve(dir, p) {
	if (p ~ /^\// || dir == "")
		return p
	return dir "/" p
}

function content_synced(p) {
	return !(p in lw) || (p in fs && fs[p] > lw[p]) || lastsyncfs > lw[p]
}

function entry_synced(p,    d) {
	d = dirname(p)
	return (d in dirsync && dirsync[d] > placed[p]) || lastsyncfs > placed[p]
}

function place(p, from) {
	if (rel(p) !~ /^objects\// || basename(p) ~ /^tmp_/)
		return
	if (from != "") {
		if (from in lw)
			lw[p] = lw[from]
		if (from in fs)
			fs[p] = fs[from]
	}
	if (!(p in placed))
		objs[nobj++] = p
	placed[p] = NR
}

function ref_update(from, to,    i, o, bad, name) {
	name = rel(to)
	if (name !~ /^(refs\/.+|packed-refs|HEAD)$/ || from !~ /\.lock$/)
		return
	nref++
	bad = 0
	for (i = 0; i < nobj; i++) {
		o = objs[i]
		if (!(o in shown)) {
			printf "object %s: last written at line %s, synced at line %s, placed at line %s, directory synced at line %s%s\n", \
				o, (o in lw) ? lw[o] : "-", \
				(o in fs) ? fs[o] : "-", placed[o], \
				(dirname(o) in dirsync) ? dirsync[dirname(o)] : "-", \
				lastsyncfs ? " (syncfs at line " lastsyncfs ")" : ""
			shown[o] = 1
		}
		if (!content_synced(o)) {
			printf "NOT SYNCED: %s (content) before %s at line %d\n", o, name, NR
			bad++
		}
		if (!entry_synced(o)) {
			printf "NOT SYNCED: %s (directory entry) before %s at line %d\n", o, name, NR
			bad++
		}
	}
	if (!content_synced(from)) {
		printf "NOT SYNCED: %s (the new value) before %s at line %d\n", from, name, NR
		bad++
	}
	printf "ref %s: renamed at line %d, after %d objects: %s\n", \
		name, NR, nobj, bad ? "NOT ALL SYNCED" : "all synced"
	failures += bad
}

# one system call: name, the text after "name(", the line as it was
function syscall(name, args, line,    p, q, dir, ret) {
	ret = line
	sub(/^.*\) += /, "", ret)
	if (ret ~ /^-1/)
		return
	if (name == "openat" || name == "open" || name == "creat") {
		if (name != "creat" && args !~ /O_CREAT/)
			return
		p = line
		sub(/^.*= [0-9]+</, "", p)
		sub(/>$/, "", p)
		if (!(p in placed) && basename(p) !~ /^tmp_/)
			place(p, "")
	} else if (name ~ /^(write|pwrite64|writev)$/) {
		lw[fdpath(args)] = NR
	} else if (name == "fsync" || name == "fdatasync") {
		p = fdpath(args)
		fs[p] = NR
		dirsync[p] = NR
	} else if (name == "syncfs" || name == "sync") {
		lastsyncfs = NR
	} else if (name == "rename" || name == "link") {
		p = quoted(args, 1)
		q = quoted(args, 2)
		place(q, p)
		ref_update(p, q)
	} else if (name ~ /^(renameat|renameat2|linkat)$/) {
		dir = fdpath(args)
		p = resolve(dir, quoted(args, 1))
		sub(/^[^,]*, "([^"\\]|\\.)*", /, "", args)
		dir = fdpath(args)
		q = resolve(dir, quoted(args, 1))
		place(q, p)
		ref_update(p, q)
	}
}

BEGIN {
	if (gitdir == "") {
		print "fsync-order.awk: set gitdir" > "/dev/stderr"
		exit 2
	}
	sub(/\/$/, "", gitdir)
}

{
	pid = $1
	body = $0
	sub(/^[0-9]+ +/, "", body)
	if (body ~ /<unfinished \.\.\.>$/) {
		sub(/ *<unfinished \.\.\.>$/, "", body)
		pending[pid] = body
		# a rename counts from when it starts, a sync from when it
		# returns
		if (match(body, /^(rename|renameat|renameat2|link|linkat)\(/)) {
			started[pid] = 1
			syscall(substr(body, 1, RLENGTH - 1),
				substr(body, RLENGTH + 1), body ") = 0")
		}
		next
	}
	if (body ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
		sub(/^<\.\.\. [a-z0-9_]+ resumed>/, "", body)
		body = pending[pid] body
		delete pending[pid]
		if (started[pid]) {
			delete started[pid]
			next
		}
	}
	if (!match(body, /^[a-z0-9_]+\(/))
		next
	name = substr(body, 1, RLENGTH - 1)
	syscall(name, substr(body, RLENGTH + 1), body)
}

END {
	printf "checked %d ref updates, %d objects\n", nref, nobj
	if (failures || !nref)
		exit 1
}
