import Foundation
import LabPipeline

/// Where a simulated host lives and how commands reach it: a directory whose `bin/` is the
/// only PATH commands get (links to the labrun executable under the simulated tools' names:
/// labrun is a multi-call program; plus a short whitelist of real coreutils), its model in
/// `state.json`.
public struct SimulatedHost: Sendable, Hashable {
  /// The host's directory (on the machine the commands run on).
  public var directory: String
  public var profile: SimProfile
  /// The scenario to start a fresh host with; nil keeps whatever the host has.
  public var scenario: SimScenario?
  /// The labrun executable on this machine: run under a simulated tool's name, it answers as
  /// that tool.
  public var tool: String
  /// The machine's host name (`sim/NAME` → `NAME`); nil: `labsim-<card>`, as before machines had names.
  public var hostname: String?
  /// The network it shares with other simulated hosts (a cluster's nodes reach each other on it).
  public var network: SimNetwork?
  /// A cluster labrun did not provision (`--kubeconfig`): k3s and HAMi already run, with other
  /// teams' objects (``SimState/preBuiltCluster(profile:scenario:hostname:)``).
  public var preBuiltCluster: Bool
  /// The pre-built cluster's nodes after the first (whose card is ``profile``), in order.
  public var preBuiltNodes: [SimProfile] = []

  /// The names the multi-call tool answers to.
  public static let simulatedCommands = [
    "nvidia-smi", "sudo", "apt-get", "dpkg-query", "curl", "gpg", "systemctl", "uname", "df", "tee", "cat",
    "grep", "rm", "id", "k3s-installer", "helm-installer", "nvcc", "docker", "env", "memory-probe",
    "throughput-probe", "ls", "mkdir", "nvidia-cuda-mps-control", "nvidia-cuda-mps-server", "hostname",
    "journalctl",
  ]
  /// Names the tool gains when something is installed (k3s, helm, the toolkit).
  public static let installedCommands = [
    "k3s", "kubectl", "k3s-uninstall.sh", "k3s-agent-uninstall.sh", "helm", "nvidia-ctk",
  ]
  /// Real programs a simulated command line may use: text tools only, nothing that installs,
  /// escalates, manages services or reaches the network.
  /// `bash` runs helm's installer (a bash script, as on a real host); `mktemp` makes private
  /// directories under the host's own TMPDIR.
  public static let realCommands = [
    "sh", "bash", "echo", "printf", "sed", "head", "tail", "test", "sleep", "true", "false",
    "wc", "tr", "cut", "sort", "date", "awk", "touch", "dirname", "basename", "sha256sum", "expr", "seq",
    "mktemp", "cp", "chmod", "timeout",
  ]
  /// Intercepted commands that hand anything outside the simulated host's files to the real program.
  public static let passthroughCommands = ["cat", "grep", "rm", "tee", "env", "ls", "mkdir"]
  /// Every name under which labrun answers as a simulated tool instead of as itself.
  public static let toolNames = Set(simulatedCommands + installedCommands)

  public init(
    directory: String, profile: SimProfile, scenario: SimScenario?, tool: String, hostname: String? = nil,
    network: SimNetwork? = nil, preBuiltCluster: Bool = false
  ) {
    self.directory = directory
    self.profile = profile
    self.scenario = scenario
    self.tool = tool
    self.hostname = hostname
    self.network = network
    self.preBuiltCluster = preBuiltCluster
  }

  public var binDirectory: String { directory + "/bin" }

  /// Creates (or refreshes) the host's directory: bin/ with the tool's names and the real
  /// whitelist, real/ with the programs intercepted commands fall back to. A different
  /// scenario than the host was created with starts a fresh host.
  public func setupScript(toolPath: String) -> String {
    let dir = ShellQuote.quote(directory)
    var lines = [
      "set -e",
      "mkdir -p \(dir)/bin \(dir)/real \(dir)/home \(dir)/tmp",
    ]
    if let scenario {
      let quoted = ShellQuote.quote(scenario.rawValue)
      lines.append(
        "if [ \"$(cat \(dir)/scenario 2>/dev/null)\" != \(quoted) ]; then rm -f \(dir)/state.json \(dir)/links; "
          + "rm -f \(Self.installedCommands.map { "\(dir)/bin/\($0)" }.joined(separator: " ")); "
          + "printf '%s\\n' \(quoted) > \(dir)/scenario; fi")
    }
    // A host of a scenario has the programs that scenario implies (no apt on a non-apt
    // distribution, a cluster where a GPU Operator already runs).
    var present = Self.simulatedCommands
    var absent: [String] = []
    switch scenario {
    case .notApt?:
      present.removeAll { $0 == "apt-get" || $0 == "dpkg-query" }
      absent = ["apt-get", "dpkg-query"]
    case .gpuOperatorPresent?, .devicePluginPresent?:
      present += ["k3s", "kubectl"]
    default: break
    }
    if preBuiltCluster {
      present += ["k3s", "kubectl"]
      lines.append("printf 'existing-cluster\\n' > \(dir)/prebuilt")
      let nodes = ShellQuote.quote(preBuiltNodes.map(\.id).joined(separator: " "))
      lines.append("printf '%s\\n' \(nodes) > \(dir)/prebuilt-nodes")
    }
    // A node without a GPU has no driver: no nvidia-smi (`command -v` finds nothing).
    if !profile.hasGPU {
      present.removeAll { $0 == "nvidia-smi" }
      absent.append("nvidia-smi")
    }
    // The links, made once: what they are is stamped in `links`, and an open that finds the
    // same stamp skips them (each `ln` is a process, and every labrun command opens the host).
    // (A scenario's installed programs, k3s say, are linked on every open, as before: the
    // model's own installs and uninstalls manage those links too.)
    var links: [String] = []
    for name in present where !Self.frontedCommands.contains(name) && name != "sudo" {
      let link = "ln -sf \(ShellQuote.quote(toolPath)) \(dir)/bin/\(name)"
      if Self.installedCommands.contains(name) { lines.append(link) } else { links.append(link) }
    }
    links += frontLines(toolPath: toolPath)
    for name in absent { links.append("rm -f \(dir)/bin/\(name)") }
    // The real programs, found by the shell's builtins and linked by one `ln` a directory
    // (each found path ends in its name, so `ln -sf PATH... DIR/` names each link rightly).
    for (names, target) in [(Self.realCommands, "bin"), (Self.passthroughCommands, "real")] {
      links.append(
        "found=; for name in \(names.joined(separator: " ")); do p=; "
          + "for d in /usr/bin /bin; do if [ -x \"$d/$name\" ]; then p=\"$d/$name\"; break; fi; done; "
          + "[ -n \"$p\" ] || { echo \"labrun: simulated host: no $name in /usr/bin or /bin\" >&2; exit 1; }; "
          + "found=\"$found $p\"; done; ln -sf $found \(dir)/\(target)/")
    }
    let stamp = ShellQuote.quote(
      ([toolPath, "fronts-2"] + present.map { "+" + $0 } + absent.map { "-" + $0 } + Self.realCommands
        + Self.passthroughCommands)
        .joined(separator: " "))
    lines.append("read -r made 2>/dev/null < \(dir)/links || made=")
    lines.append("if [ \"$made\" != \(stamp) ]; then")
    lines += links
    lines.append("printf '%s\\n' \(stamp) > \(dir)/links; fi")
    lines.append("printf '%s\\n' \(ShellQuote.quote(toolPath)) > \(dir)/tool")
    // The model's /etc/os-release for the shell's own reads (`.`, `[ -r ]`; see ``wrap(_:extraEnvironment:)``).
    let release = ShellQuote.quote(scenario == .notApt ? SimState.fedoraRelease : SimState.ubuntuRelease)
    lines.append(
      scenario == nil
        ? "[ -e \(dir)/os-release ] || printf '%s\\n' \(release) > \(dir)/os-release"
        : "printf '%s\\n' \(release) > \(dir)/os-release")
    lines.append("printf '%s\\n' \(ShellQuote.quote(profile.id)) > \(dir)/profile")
    if let hostname { lines.append("printf '%s\\n' \(ShellQuote.quote(hostname)) > \(dir)/hostname") }
    if let network {
      lines.append(network.allocationScript(for: directory))
      lines.append("printf '%s\\n' \(ShellQuote.quote(network.directory)) > \(dir)/network")
    }
    return lines.joined(separator: "\n")
  }

  /// `script` run inside the host's closed environment: nothing but bin/ on PATH.
  public func wrap(_ script: String, extraEnvironment: [String: String] = [:]) -> String {
    var assignments = [
      "PATH=" + ShellQuote.quote(binDirectory),
      "HOME=" + ShellQuote.quote(directory + "/home"),
      "LABRUN_SIM_DIR=" + ShellQuote.quote(directory),
      // mktemp and anything else that honours TMPDIR stays inside the host's directory.
      "TMPDIR=" + ShellQuote.quote(directory + "/tmp"),
      "LC_ALL=C",
    ]
    for (name, value) in extraEnvironment.sorted(by: { $0.key < $1.key }) {
      assignments.append(name + "=" + ShellQuote.quote(value))
    }
    return
      "/usr/bin/env -i \(assignments.joined(separator: " ")) \(ShellQuote.quote(binDirectory + "/sh")) -c "
      + ShellQuote.quote(Self.pointingShellReads(script, to: directory))
  }

  /// The shell reads /etc/os-release itself (`. /etc/os-release`, `[ -r /etc/os-release ]`:
  /// builtins, which no simulated tool can answer), so those reads go to the model's copy in
  /// the host's directory; `cat /etc/os-release` reaches the simulated `cat` unchanged.
  static func pointingShellReads(_ script: String, to directory: String) -> String {
    let model = ShellQuote.quote(directory + "/os-release")
    return
      script
      .replacingOccurrences(of: ". /etc/os-release", with: ". " + model)
      .replacingOccurrences(of: "-r /etc/os-release", with: "-r " + model)
  }
}
