import Foundation
import LabPipeline

/// Which Swift steps belong to which lab: lab.yaml's `name` → its phases.
///
/// A lab.yaml gives parameters; its steps are Swift types registered here.
public enum LabCatalog {
  /// The lab `--lab` defaults to.
  public static let defaultLabName = "hami-isolation-realgpu"

  /// Every lab this labrun can run, by name.
  public static let phasesByLab: [String: LabPhases] = [
    // The HAMi steps read templates from the lab's directory: see ``lab(for:)``.
    "hami-isolation-realgpu": HAMiLab.phases(
      labDirectory: URL(fileURLWithPath: "labs/hami-isolation-realgpu")),
    "selftest": SelfTestLab.phases,
  ]

  public static var names: [String] { phasesByLab.keys.sorted() }

  /// The lab named by `definition`, with its steps.
  public static func lab(for definition: LabDefinition) throws -> Lab {
    guard let phases = phasesByLab[definition.name] else {
      throw LabCatalogError.unknownLab(name: definition.name, file: definition.file.path, known: names)
    }
    if definition.name == defaultLabName {
      return Lab(
        definition: definition,
        phases: HAMiLab.phases(labDirectory: definition.file.deletingLastPathComponent()))
    }
    return Lab(definition: definition, phases: phases)
  }
}

/// A lab.yaml names a lab this labrun has no steps for.
public enum LabCatalogError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `name:` in lab.yaml is not in the catalog.
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
