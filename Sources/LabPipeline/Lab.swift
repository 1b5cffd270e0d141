import Foundation

/// A lab labrun knows: the steps of each phase and how its evidence is judged.
///
/// Each lab is one type in its own folder of the Labs module; ``name`` is lab.yaml's `name`
/// and run.json's `lab`. The lab.yaml beside its files gives the parameters.
public protocol Lab: Sendable {
  /// lab.yaml's `name` and run.json's `lab`.
  var name: String { get }
  /// The steps of each phase; `files` reads the lab's own files (manifests, probes).
  func phases(files: LabFiles) -> LabPhases
  /// The steps of each phase on a cluster whose other nodes (agents) are `nodes`, as `--node`
  /// named them; nil when the lab runs on one host only (the default), so that `--node` is
  /// refused instead of ignored.
  func phases(files: LabFiles, nodes: [String]) -> LabPhases?
  /// The steps of each phase on an existing cluster reached through a kubeconfig (`--kubeconfig`):
  /// nothing provisioned, only labrun's own objects created and removed; nil when the lab does not
  /// run there (the default), so that `--kubeconfig` is refused instead of ignored.
  func existingClusterPhases(files: LabFiles) -> LabPhases?
  /// How the verifier judges this lab's evidence; nil for a lab without a validation page.
  var validation: (any ValidationLab)? { get }
  /// Every file beside lab.yaml its steps or page read (manifests, probes, page text), relative
  /// to the lab's directory: ``LoadedLab/checkFiles()`` reads each before anything runs.
  var referencedFiles: [String] { get }
  /// The simulated host's scenarios (`--param sim_scenario=NAME`, LabSim's `SimScenario`) that
  /// apply to this lab, `none` first: another lab's scenario would be silently ignored and the
  /// run would pass, so it is refused (``LoadedLab/checkSimulatedScenario(_:)``). Adding a
  /// scenario to a lab is adding its name here.
  var simulatedScenarios: [String] { get }
}

extension Lab {
  public func phases(files: LabFiles, nodes: [String]) -> LabPhases? { nil }
  public func existingClusterPhases(files: LabFiles) -> LabPhases? { nil }
  public var referencedFiles: [String] { [] }
  public var simulatedScenarios: [String] { ["none"] }
}

/// The step lists of a lab's three phases.
public struct LabPhases: Sendable {
  public var up: [any Step]
  public var exercises: [any Step]
  public var down: [any Step]

  public init(up: [any Step] = [], exercises: [any Step] = [], down: [any Step] = []) {
    self.up = up
    self.exercises = exercises
    self.down = down
  }

  public func steps(for phase: Phase) -> [any Step] {
    switch phase {
    case .up: return up
    case .exercises: return exercises
    case .down: return down
    }
  }
}

/// A lab ready to run: its definition (lab.yaml) and the steps its type gives for the files
/// beside that definition (on disk, or built into labrun).
public struct LoadedLab: Sendable {
  public let definition: LabDefinition
  public let lab: any Lab
  public let phases: LabPhases

  public init(definition: LabDefinition, lab: any Lab) {
    self.definition = definition
    self.lab = lab
    self.phases = lab.phases(files: definition.source.files)
  }

  public var name: String { definition.name }

  /// Reads every file the lab references, so that a lab copied without one of them
  /// (`probes/`, say) fails when it is loaded, before any command reaches the target.
  /// - Throws: ``LabDefinitionError/missingLabFile(lab:path:file:)``, naming the first missing file.
  public func checkFiles() throws {
    for path in lab.referencedFiles {
      do {
        _ = try definition.source.files.text(path)
      } catch {
        throw LabDefinitionError.missingLabFile(
          lab: name, path: definition.source.definitionPath, file: path)
      }
    }
  }

  public func steps(for phase: Phase) -> [any Step] {
    phases.steps(for: phase)
  }

  /// The steps of `phase` on a cluster with agents `nodes` (one host's when there are none).
  /// - Throws: ``LabClusterError/notForLab(lab:)`` when the lab runs on one host only.
  public func steps(for phase: Phase, nodes: [String]) throws -> [any Step] {
    guard !nodes.isEmpty else { return steps(for: phase) }
    guard let phases = lab.phases(files: definition.source.files, nodes: nodes) else {
      throw LabClusterError.notForLab(lab: name)
    }
    return phases.steps(for: phase)
  }

  /// The steps of `phase` on `target`: an existing cluster's (``TargetInfo/cluster``), a cluster's
  /// with agents, or one host's.
  /// - Throws: ``LabClusterError`` when the lab does not run on such a target.
  public func steps(for phase: Phase, on target: TargetInfo) throws -> [any Step] {
    guard target.cluster != nil else { return try steps(for: phase, nodes: target.nodes?.map(\.name) ?? []) }
    guard let phases = lab.existingClusterPhases(files: definition.source.files) else {
      throw LabClusterError.existingClusterNotForLab(lab: name)
    }
    return phases.steps(for: phase)
  }

  /// Refuses a simulated scenario that is not one of this lab's (``Lab/simulatedScenarios``).
  /// - Throws: ``LabScenarioError/notForLab(scenario:lab:scenarios:)`` (exit status 2).
  public func checkSimulatedScenario(_ name: String?) throws {
    guard let name, !lab.simulatedScenarios.contains(name) else { return }
    throw LabScenarioError.notForLab(scenario: name, lab: self.name, scenarios: lab.simulatedScenarios)
  }
}
