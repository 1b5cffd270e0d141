import Foundation
import LabPipeline

/// The Environment table, read from the artifacts and run.json.
extension MPSIsolationLab {
  public func environment(of bundle: EvidenceBundle) -> EnvironmentSummary {
    let facts = MPSEvidence(bundle)
    let card = facts.card
    var rows: [EnvironmentSummary.Row] = []
    rows.append(HostEnvironmentRows.date(bundle))
    let machine = HostEnvironmentRows.machine(bundle, osFile: MPSCatalog.os)
    rows.append(.init("Machine", machine))
    rows.append(HostEnvironmentRows.gpu(card, file: MPSCatalog.hostGPU))
    rows.append(HostEnvironmentRows.driver(card, file: MPSCatalog.hostGPU))
    rows.append(HostEnvironmentRows.toolkit(bundle, buildFile: MPSCatalog.build))
    let tenants =
      facts.tenants.map { $0.map { "\($0.name): 0=\($0.sliceMiB)M" }.joined(separator: ", ") }
      ?? "not recorded"
    rows.append(.init("Clients", tenants + " (run.json tenants: CUDA_MPS_PINNED_DEVICE_MEM_LIMIT)"))
    let seconds = bundle.run.parameters["compute_seconds"]?.wholeNumber.map { "\($0) s" } ?? "?"
    rows.append(
      .init(
        "Active thread percentages",
        "alone: \(facts.threadPercentages.map(String.init).joined(separator: ", ")); side by side: "
          + "\(facts.pairPercentages.map(String.init).joined(separator: " and ")); noisy neighbour's: "
          + "\(facts.neighbourPercentage.map(String.init) ?? "?") (the victim has none); \(seconds) per run; tolerance "
          + "± \(facts.tolerancePercent) points (run.json)"))
    return HostEnvironmentRows.summary(rows, card: card, machine: machine, note: Self.environmentNote)
  }
}
