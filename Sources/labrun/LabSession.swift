import ArgumentParser
import Foundation
import LabPipeline
import Labs
import Remote
import Targets

/// What the pipeline commands share: the state directory, the redactor, the progress
/// printer, and the wiring from lab + target + run to a pipeline.
struct LabSession: Sendable {
  let state: StateDirectory
  let store: RunStore
  let redactor: Redactor
  let printer: ProgressPrinter
  let environment: [String: String]

  init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.environment = environment
    self.state = StateDirectory(environment: environment)
    self.store = RunStore(state: state)
    self.redactor = Redactor(environment: environment)
    self.printer = ProgressPrinter(redactor: redactor, environment: environment)
  }

  // MARK: labs

  /// Finds labs in `$LABRUN_LABS`, `./labs`, then among the built-in ones.
  var labLocator: LabLocator {
    LabLocator(environment: environment, builtIn: BuiltInLabs.all)
  }

  /// The lab `--lab` names (default: the registry's default lab), with `--param` applied.
  /// Says on stderr which copy it used.
  func loadLab(_ arguments: LabArguments) throws -> (LoadedLab, Parameters) {
    let located = try labLocator.locate(arguments.lab ?? LabRegistry.defaultLabName)
    printer.info(located.summary)
    let definition = try LabDefinition.load(from: located.source)
    let lab = try LabRegistry.load(definition)
    return (lab, try definition.resolve(overrides: arguments.parameters))
  }

  /// The lab an existing run was started with: its recorded lab.yaml (or built-in lab), else
  /// by name. Says on stderr which copy it used.
  func loadLab(for record: RunRecord) throws -> LoadedLab {
    let located = try labLocator.locate(recorded: record.labFile, name: record.lab)
    printer.info(located.summary)
    return try LabRegistry.load(try LabDefinition.load(from: located.source))
  }

  // MARK: targets

  /// Parses `--host` (or, without it, `runTarget`: the run's own) and opens it with the
  /// connection options and, for the simulated host, the run's `sim_scenario`. A malformed
  /// `--host` exits 64 and an unknown profile or scenario 2; any failure to open is a
  /// ``TargetOpenError`` (exit status 3), whatever the transport's own error type.
  func openTransport(
    _ arguments: TargetArguments, runTarget: String? = nil, runNodes: [String] = [],
    parameters: Parameters? = nil,
    lab: LoadedLab? = nil
  ) async throws -> any Transport {
    if let cluster = try arguments.existingCluster() {
      return try await openExistingCluster(cluster, arguments, parameters: parameters, lab: lab)
    }
    let spec = try arguments.spec(orRunTarget: runTarget)
    let nodes = arguments.nodes.isEmpty ? runNodes : arguments.nodes
    if !nodes.isEmpty {
      return try await openCluster(spec, nodes: nodes, arguments, parameters: parameters, lab: lab)
    }
    // A malformed --host (64) or an unknown profile or scenario (2) is said as such, not as
    // an unreachable target. A scenario of another lab would be ignored: refused too (2).
    let target = try TargetSpec(parsing: spec)
    let scenario = parameters?["sim_scenario"]?.stringValue
    try target.checkScenario(scenario)
    if case .simulated = target.kind { try lab?.checkSimulatedScenario(scenario) }
    do {
      return try await target.open(options: arguments.connectionOptions(state: state), scenario: scenario)
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw TargetOpenError(host: spec, underlying: error)
    }
  }

  /// `--kubeconfig FILE [--context NAME]`: a missing file or an unknown context exits 2, a
  /// cluster that does not answer 3 (``KubeconfigError``).
  private func openExistingCluster(
    _ cluster: ExistingClusterTarget, _ arguments: TargetArguments, parameters: Parameters?, lab: LoadedLab?
  ) async throws -> any Transport {
    if let lab, lab.lab.existingClusterPhases(files: lab.definition.source.files) == nil {
      throw LabClusterError.existingClusterNotForLab(lab: lab.name)
    }
    let scenario = parameters?["sim_scenario"]?.stringValue
    if try cluster.simulatedProfiles() != nil {
      if let scenario { _ = try TargetSpec(parsing: "sim").checkScenario(scenario) }
      try lab?.checkSimulatedScenario(scenario)
    }
    do {
      return try await cluster.open(options: arguments.connectionOptions(state: state), scenario: scenario)
    } catch let error as KubeconfigError {
      throw error
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw TargetOpenError(host: cluster.context, underlying: error)
    }
  }

  /// The newest run's directory on the existing cluster of `kubeconfig` (`report --kubeconfig`).
  func newestRun(kubeconfig: String, context: String?) throws -> String {
    let cluster = try ExistingClusterTarget(
      kubeconfig: TargetArguments.absolute(kubeconfig), context: context)
    return try store.newestRun(on: cluster.identity).path
  }

  /// `--host` with its `--node` agents, each opened (exit 3 naming the one that failed).
  private func openCluster(
    _ spec: String, nodes: [String], _ arguments: TargetArguments, parameters: Parameters?, lab: LoadedLab?
  ) async throws -> any Transport {
    // A lab on one host refuses --node before the nodes are looked at.
    _ = try lab?.steps(for: .up, nodes: nodes)
    let cluster = try ClusterSpec(server: spec, nodes: nodes)
    let scenario = parameters?["sim_scenario"]?.stringValue
    try cluster.server.checkScenario(scenario)
    if case .simulated = cluster.server.kind { try lab?.checkSimulatedScenario(scenario) }
    do {
      return try await cluster.open(options: arguments.connectionOptions(state: state), scenario: scenario)
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw TargetOpenError(host: ([spec] + nodes).joined(separator: " "), underlying: error)
    }
  }

  /// How `--host` resolves through ssh_config (its ssh part, for `sim+ALIAS`), connecting to
  /// nothing. Failures are ``TargetOpenError``s (exit status 3).
  func resolveSSH(_ arguments: TargetArguments) async throws -> SSHTransport.Destination {
    let spec = try arguments.spec()
    let target = try TargetSpec(parsing: spec)
    do {
      guard let host = target.sshHost else {
        throw ValidationError("--resolve needs an ssh target (an ssh_config alias, user@host or sim+ALIAS)")
      }
      return try await SSHTransportFactory.destination(
        host: host, options: arguments.connectionOptions(state: state))
    } catch let error as ValidationError {
      throw error
    } catch {
      throw TargetOpenError(host: spec, underlying: error)
    }
  }

  /// `ping --resolve`: how `--host` resolves, as text or JSON, connecting to nothing.
  func resolution(_ arguments: TargetArguments, json: Bool) async throws -> String {
    let report = ResolvedHostReport(
      try await resolveSSH(arguments), labrunKnownHosts: state.knownHostsFile.path,
      home: environment["HOME"] ?? NSHomeDirectory())
    return json ? String(decoding: try JSONEncoder.labrun.encode(report), as: UTF8.self) + "\n" : report.text
  }

  // MARK: the lifecycle

  /// The run lifecycle (``LabRunLifecycle``) over this state directory, its progress shown by
  /// the printer.
  var lifecycle: LabRunLifecycle {
    LabRunLifecycle(store: store, redactor: redactor, progress: printer.handler)
  }

  /// Opens `arguments`' target for the lifecycle: for a new or resumed run, `--host` (with
  /// `lab`'s simulated scenarios checked); for an existing run, its own target, `-F` and
  /// `--identity` unless given again here.
  func opener(_ arguments: TargetArguments, lab: LoadedLab? = nil) -> TargetOpener {
    { [self] record, parameters in
      let target = arguments.reusing(record?.connection)
      let transport = try await openTransport(
        target, runTarget: record?.target.name, runNodes: record?.target.nodes?.map(\.name) ?? [],
        parameters: parameters, lab: lab)
      // A run's evidence is one cluster's: another cluster (or a host) is refused, not switched to.
      let opened = await transport.target
      if let record, record.target.cluster != opened.cluster {
        await transport.close()
        throw KubeconfigError.otherCluster(
          run: record.runID, recorded: record.target.name, given: opened.name)
      }
      return OpenedTarget(transport: transport, connection: target.connectionRecord)
    }
  }

  /// Loads an existing run's lab, for the lifecycle.
  var labLoader: RunLabLoader {
    { [self] record in try loadLab(for: record) }
  }

  /// Ends a lifecycle command: the page it wrote on standard output, then its exit status
  /// (its failure was said when it happened).
  func finish(_ outcome: RunOutcome) throws {
    printer.stop()
    if let page = outcome.page { StandardOutput.write(page) }
    if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
  }

  /// Runs a lifecycle command: SIGINT and SIGTERM cancel it (exit 130), and its error is said
  /// once and ends labrun with its exit status (``failure(_:)``).
  func perform(_ body: @escaping @Sendable () async throws -> Void) async throws {
    try await SignalCancellation.run { [self] in
      do {
        try await body()
      } catch {
        throw failure(error)
      }
    }
  }

  /// Prints `error` (redacted with this session's secrets) and returns the exit status to
  /// throw, from the one mapping (``LabrunExit/status(for:)``). An interruption is said by
  /// ``SignalCancellation``; argument-parser's own errors are left to it.
  func failure(_ error: any Error) -> any Error {
    printer.stop()
    if error is ExitCode || error is ValidationError || error is CleanExit { return error }
    let status = LabrunExit.status(for: error)
    if status != LabrunExitCode.interrupted { Terminal.error(error, redactor: redactor) }
    return ExitCode(status)
  }
}

/// `--host` could not be opened; wraps the transport's own error.
struct TargetOpenError: Error, CustomStringConvertible, LocalizedError, ExitCodeProviding {
  var host: String
  var underlying: any Error

  var description: String {
    let detail = String(describing: underlying)
    return detail.contains(host) ? detail : "cannot reach \(host): \(detail)"
  }

  var errorDescription: String? { description }
  var exitCode: Int32 { LabrunExitCode.targetFailed }
}
