import Foundation
import LabPipeline

/// Every lab this labrun knows, by name: adding a lab is one line here and a folder beside.
public enum LabRegistry {
  /// The labs, each with its steps and (when it has a validation page) its checks.
  public static let labs: [any Lab] = [
    HAMiIsolationLab(), HAMiCoreIsolationLab(), MPSIsolationLab(), SelfTestLab(),
  ]

  /// The lab `--lab` defaults to.
  public static let defaultLabName = HAMiIsolationLab.name

  public static var names: [String] { labs.map(\.name).sorted() }

  /// The lab whose lab.yaml is `definition`, ready to run.
  /// - Throws: ``LabRegistryError/unknownLab(name:file:known:)``, or
  ///   ``LabDefinitionError/missingLabFile(lab:path:file:)`` for a file it references that is missing.
  public static func load(_ definition: LabDefinition) throws -> LoadedLab {
    guard let lab = labs.first(where: { $0.name == definition.name }) else {
      throw LabRegistryError.unknownLab(
        name: definition.name, file: definition.source.definitionPath, known: names)
    }
    let loaded = LoadedLab(definition: definition, lab: lab)
    try loaded.checkFiles()
    return loaded
  }

  /// Whether the lab called `name` has a validation page.
  public static func hasValidation(_ name: String) -> Bool {
    labs.contains { $0.name == name && $0.validation != nil }
  }

  /// The lab that verifies `bundle` (run.json's `lab`; imported evidence and a run.json
  /// without `lab` mean the default lab).
  /// - Throws: ``EvidenceBundleError/unknownLab(lab:known:)``.
  public static func validation(for bundle: EvidenceBundle) throws -> any ValidationLab {
    let name = bundle.run.lab ?? defaultLabName
    guard let validation = labs.first(where: { $0.name == name })?.validation else {
      throw EvidenceBundleError.unknownLab(
        lab: name, known: labs.filter { $0.validation != nil }.map(\.name))
    }
    return validation
  }

  /// Verifies `bundle` with its lab.
  public static func verify(_ bundle: EvidenceBundle) throws -> ValidationReport {
    Verifier(lab: try validation(for: bundle)).verify(bundle)
  }
}

/// A lab.yaml names a lab this labrun has no steps for.
public enum LabRegistryError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `name:` in lab.yaml is not in the registry.
  case unknownLab(name: String, file: String, known: [String])

  public var description: String {
    switch self {
    case .unknownLab(let name, let file, let known):
      return "\(file): lab '\(name)' has no steps in this labrun (known labs: "
        + "\(known.joined(separator: ", "))); check `name:` in the file or update labrun"
    }
  }

  public var errorDescription: String? { description }
}

extension LabRegistryError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.labInvalid }
}
