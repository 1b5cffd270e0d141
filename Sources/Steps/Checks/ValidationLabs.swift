import Foundation
import LabPipeline

/// The labs this labrun can verify, by run.json's `lab`.
public enum ValidationLabs {
  public static let labs: [any ValidationLab] = [HAMiIsolationLab()]

  /// The lab that verifies `bundle` (run.json's `lab`; imported evidence and a run.json
  /// without `lab` mean the HAMi isolation lab).
  /// - Throws: ``EvidenceBundleError/unknownLab(lab:known:)``.
  public static func lab(for bundle: EvidenceBundle) throws -> any ValidationLab {
    let name = bundle.run.lab ?? HAMiIsolationLab.labName
    guard let lab = labs.first(where: { $0.name == name }) else {
      throw EvidenceBundleError.unknownLab(lab: name, known: labs.map(\.name))
    }
    return lab
  }

  /// Verifies `bundle` with its lab.
  public static func verify(_ bundle: EvidenceBundle) throws -> ValidationReport {
    Verifier(lab: try lab(for: bundle)).verify(bundle)
  }
}
