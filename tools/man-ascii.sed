# generate-manual (swift-argument-parser) drops every non-ASCII character from the man page, so
# "3×100" would read "3100". tools/install.sh passes the help through these replacements first;
# Tests/cli/parts/install.sh fails when the help uses a character not listed here.
s/·/;/g
s/…/.../g
s/γ/gamma/g
s/β/beta/g
s/σ/sigma/g
s/μ/mu/g
s/Δ/Delta/g
s/×/x/g
s/²/^2/g
s/÷/\//g
s/←/<-/g
s/→/->/g
s/↕/up-down/g
s/≥/>=/g
s/≤/<=/g
s/±/+-/g
s/–/-/g
s/—/--/g
s/‖/||/g
s/’/'/g
s/⌈/ceil(/g
s/⌉/)/g
