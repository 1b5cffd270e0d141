import LabPipeline

/// The passthrough commands' fronts: `cat`, `grep`, `rm`, `tee`, `ls` and `mkdir` hand anything
/// outside the simulated host's files to the real program, and nearly every call of them is
/// such (a probe's output under the lab's temporary directory, say). Starting labrun for each
/// only to hear "the real one" was the simulator's largest cost, so each of these names in bin/
/// is a small /bin/sh script that starts labrun (linked as the same name under tools/) only when
/// an argument is one of the host's own paths (``SimTool/virtualPrefixes``), where labrun decides
/// exactly as before, and otherwise runs the real program itself.
extension SimulatedHost {
  /// The passthrough commands that get a front (`env` decides by the command it starts: labrun).
  static let frontedCommands = passthroughCommands.filter { $0 != "env" }

  /// The front script of `name` for the host in `directory`.
  static func front(_ name: String, directory: String) -> String {
    let patterns = SimTool.virtualPrefixes.map { ShellQuote.quote($0) + "*" }.joined(separator: "|")
    let host = ShellQuote.quote(directory)
    return """
      #!/bin/sh
      # labrun's simulated host: \(name) of one of the host's own paths is labrun's; any other is the real \(name).
      for argument in "$@"; do
        case $argument in
          \(patterns)) exec \(host)/tools/\(name) "$@" ;;
        esac
      done
      exec \(host)/real/\(name) "$@"
      """
  }

  /// The front of `sudo`: as the model's sudo (``SimTool``'s `sudo`), its options dropped, the
  /// command run from bin/; labrun itself only where it has something to say (the host's sudo
  /// wants a password, no command, a command that is not there).
  static func sudoFront(directory: String) -> String {
    let host = ShellQuote.quote(directory)
    return """
      #!/bin/sh
      # labrun's simulated host: sudo runs the command as the model's sudo does, without starting labrun.
      read -r scenario 2>/dev/null < \(host)/scenario || scenario=
      [ "$scenario" != \(ShellQuote.quote(SimScenario.sudoPassword.rawValue)) ] || exec \(host)/tools/sudo "$@"
      while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
      [ $# -gt 0 ] || exec \(host)/tools/sudo "$@"
      case $1 in */*) command=$1 ;; *) command=\(host)/bin/$1 ;; esac
      [ -x "$command" ] || exec \(host)/tools/sudo "$@"
      shift
      exec "$command" "$@"
      """
  }

  /// The setup lines that write the fronts: each replaces whatever bin/NAME was (a link to
  /// labrun, from an older host), never writing through it.
  func frontLines(toolPath: String) -> [String] {
    let dir = ShellQuote.quote(directory)
    var lines = ["mkdir -p \(dir)/tools"]
    let fronts =
      Self.frontedCommands.map { ($0, Self.front($0, directory: directory)) }
      + [("sudo", Self.sudoFront(directory: directory))]
    let written = fronts.map { "\(dir)/bin/\($0.0)" }.joined(separator: " ")
    lines.append("rm -f \(written)")
    for (name, script) in fronts {
      lines.append("ln -sf \(ShellQuote.quote(toolPath)) \(dir)/tools/\(name)")
      lines.append("printf '%s\\n' \(ShellQuote.quote(script)) > \(dir)/bin/\(name)")
    }
    lines.append("chmod 755 \(written)")
    return lines
  }
}
