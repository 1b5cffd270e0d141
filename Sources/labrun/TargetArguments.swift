import ArgumentParser
import Foundation
import LabPipeline
import Remote
import Targets

/// `--host` and how to reach it: shared by up, exercises, down, run and plan.
struct TargetArguments: ParsableArguments, Sendable {
  /// The target; optional here so exercises/down can default to the run's own target.
  /// Repeated, a fleet (``Targets/TargetSelection``).
  @Option(
    name: .customLong("host"),
    help: ArgumentHelp(
      "Where the lab runs: an ssh_config alias, user@host[:port], local, sim[:PROFILE][/NAME] (the simulated "
        + "GPU host; /NAME gives it a machine of its own; cards in docs/simulator.md), or "
        + "sim[:PROFILE]+ALIAS (the simulated host through the ssh target ALIAS, a machine named ALIAS). "
        + "Repeat it for a fleet (up, exercises, down, run, plan; see docs/fleet.md).",
      valueName: "host"))
  var hosts: [String] = []

  /// `--hosts FILE`: a fleet, one target a line with its own `key=value` parameters.
  @Option(
    name: .customLong("hosts"),
    help: ArgumentHelp(
      "A fleet (up, exercises, down, run, plan): one --host a line, optionally followed by that host's key=value "
        + "parameters (quoted as a shell word); # comments (see docs/fleet.md).",
      valueName: "file"))
  var hostsFile: String?

  /// `--node`: the agents of a k3s cluster whose server is `--host` (hami-isolation-realgpu).
  @Option(
    name: .customLong("node"),
    help: ArgumentHelp(
      "An agent of the k3s cluster whose server is --host, as --host takes it (sim[:PROFILE]/NAME for a "
        + "simulated one); repeat it for each agent. It joins the server with the server's token.",
      valueName: "host"))
  var nodes: [String] = []

  /// `--kubeconfig`: an existing cluster instead of `--host` (hami-isolation-realgpu).
  @Option(
    name: .customLong("kubeconfig"),
    help: ArgumentHelp(
      "An existing Kubernetes cluster with HAMi, instead of --host: labrun runs kubectl --kubeconfig FILE on this "
        + "machine, provisions nothing and works only in its own namespace (see docs/cluster.md).",
      valueName: "file"))
  var kubeconfig: String?

  /// `--context`: the kubeconfig's context (default: its current-context).
  @Option(
    name: .customLong("context"),
    help: ArgumentHelp("The --kubeconfig context to use (default: its current-context).", valueName: "name"))
  var context: String?

  /// The one `--host`, when one was given.
  var host: String? { hosts.first }

  /// One host or a fleet, parsed by the library (``Targets/TargetSelection``).
  var selection: TargetSelection { TargetSelection(hosts: hosts, hostsFile: hostsFile) }

  /// Like ssh -F.
  @Option(
    name: .customShort("F"),
    help: ArgumentHelp("Read this ssh_config instead of ~/.ssh/config.", valueName: "file"))
  var sshConfig: String?

  /// A key tried before ssh-agent's and the default ones.
  @Option(name: .long, help: ArgumentHelp("Private key to authenticate with.", valueName: "key-file"))
  var identity: String?

  /// Trust on first use, explicitly.
  @Flag(
    name: .long,
    help: "Trust an unknown host key and remember it in labrun's known_hosts (never in ~/.ssh/known_hosts).")
  var acceptNewHostKey = false

  /// `--host`, or `fallback` (the run's own target) when it was not given.
  /// - Throws: ``ValidationError`` when neither is there.
  func spec(orRunTarget fallback: String? = nil) throws -> String {
    guard !selection.isFleet else {
      throw ValidationError(
        "several hosts (--host repeated or --hosts) are a fleet, which up, exercises, down, run and plan "
          + "take; give this command one --host")
    }
    guard let host = host ?? fallback else {
      throw ValidationError("--host is required (e.g. --host gpu-vm or --host local)")
    }
    return host
  }

  /// `-F` and `--identity` as absolute paths, for run.json (nil when neither was given).
  var connectionRecord: ConnectionRecord? {
    let record = ConnectionRecord(
      sshConfig: sshConfig.map(Self.absolute), identity: identity.map(Self.absolute),
      kubeconfig: kubeconfig.map(Self.absolute), context: kubeconfig == nil ? nil : context)
    return record.isEmpty ? nil : record
  }

  /// These arguments, with the run's recorded `-F` and `--identity` where none was given here:
  /// a run started with `-F cfg` is reached through cfg by every later command.
  func reusing(_ recorded: ConnectionRecord?) -> TargetArguments {
    var copy = self
    copy.sshConfig = sshConfig ?? recorded?.sshConfig
    copy.identity = identity ?? recorded?.identity
    if hosts.isEmpty, kubeconfig == nil, let recordedKubeconfig = recorded?.kubeconfig {
      copy.kubeconfig = recordedKubeconfig
      copy.context = context ?? recorded?.context
    }
    return copy
  }

  /// `path` from the working directory (`~` is left for the ssh_config code to expand).
  static func absolute(_ path: String) -> String {
    guard !path.hasPrefix("/"), !path.hasPrefix("~") else { return path }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
      .appendingPathComponent(path).standardizedFileURL.path
  }

  /// A `-F` that names no file, or a malformed `--host`, is a mistake on the command line (64),
  /// said before anything is tried, not a target that cannot be reached.
  func validate() throws {
    if kubeconfig != nil, !hosts.isEmpty || hostsFile != nil || !nodes.isEmpty {
      throw ValidationError(
        "--kubeconfig names an existing cluster, --host (--hosts, --node) a machine labrun provisions; give one of them"
      )
    }
    if context != nil, kubeconfig == nil {
      throw Self.contextWithoutKubeconfig
    }
    // A malformed --host (or --hosts FILE line) is said first and alone, before a lab is read.
    // (A well-formed one that names something unknown, `sim:no-such-card` say, keeps its own
    // status, said where it is used.)
    do {
      _ = try selection.targets()
    } catch let error as any ExitCodeProviding where error.exitCode == LabrunExitCode.usage {
      throw ValidationError("\(error)")
    } catch {}
    guard let sshConfig else { return }
    var path = sshConfig
    if path == "~" || path.hasPrefix("~/") {
      path = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
    else {
      throw ValidationError(
        "-F \(sshConfig): no such ssh_config file; give an existing file (as with ssh -F), "
          + "or leave -F out to read ~/.ssh/config")
    }
  }

  /// For `validate()` of commands that need `--host`.
  func requireHost() throws {
    guard host != nil || hostsFile != nil || kubeconfig != nil else {
      throw ValidationError("--host is required (e.g. --host gpu-vm or --host local), or --kubeconfig FILE")
    }
    guard nodes.isEmpty || !selection.isFleet else {
      throw ValidationError(ClusterTargetError.nodesWithFleet.description)
    }
  }

  /// `--context` alone: report takes it too.
  static let contextWithoutKubeconfig = ValidationError(
    "--context picks a context of --kubeconfig FILE; give --kubeconfig too")

  /// `--kubeconfig FILE [--context NAME]` read (nil without `--kubeconfig`).
  /// - Throws: ``LabPipeline/KubeconfigError`` (exit status 2).
  func existingCluster() throws -> ExistingClusterTarget? {
    try kubeconfig.map { try ExistingClusterTarget(kubeconfig: Self.absolute($0), context: context) }
  }

  /// The connection options the transports take.
  func connectionOptions(state: StateDirectory) -> ConnectionOptions {
    ConnectionOptions(
      sshConfigFile: sshConfig, identityFile: identity, acceptNewHostKey: acceptNewHostKey, state: state,
      askPassphrase: isatty(STDIN_FILENO) == 1 ? Self.askAtTerminal : nil)
  }
}

extension TargetArguments {
  /// Reads a key passphrase from the terminal without echo.
  @Sendable static func askAtTerminal(_ keyPath: String) -> String? {
    guard let entered = getpass("Enter passphrase for key \(keyPath): ") else { return nil }
    return String(cString: entered)
  }
}

/// `--lab` and `--param`: which lab and with which parameters.
struct LabArguments: ParsableArguments, Sendable {
  /// A name is looked up in $LABRUN_LABS, ./labs, then the built-in labs (``LabLocator``).
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Lab to run: a NAME (looked up as NAME/lab.yaml in each directory of $LABRUN_LABS, then in ./labs, "
        + "then among the labs built into labrun; see `labrun labs`) or a PATH to a lab.yaml or its directory. "
        + "Default: hami-isolation-realgpu.",
      valueName: "name|path"))
  var lab: String?

  /// Checked against the parameter's type, range and pattern in lab.yaml.
  @Option(
    name: .customLong("param"),
    help: ArgumentHelp(
      "Override a lab parameter, checked against its type and range in lab.yaml (repeatable).",
      valueName: "key=value"))
  var parameters: [String] = []
}

/// `--run`: which run a command acts on. One option for every command; those that read a
/// run's evidence (report, verify) also take a bundle from `labrun bundle`.
struct RunOption: ParsableArguments, Sendable {
  /// nil means the current run (the state directory's `current` pointer).
  @Option(
    name: .customLong("run"),
    help: ArgumentHelp(
      "The run: a run id (see `labrun runs`) or a run directory; report and verify also read a bundle "
        + ".tar.gz from `labrun bundle`. Default: the current run.",
      valueName: "id|dir|bundle.tar.gz"))
  var run: String?
}

extension RunOption {
  /// `--run` names one run; a fleet (several hosts) names its hosts' runs through its record.
  func checkNotWithFleet(_ target: TargetArguments) throws {
    guard run != nil, target.selection.isFleet else { return }
    throw ValidationError("--run names one run; with several hosts (a fleet) leave it out")
  }
}
