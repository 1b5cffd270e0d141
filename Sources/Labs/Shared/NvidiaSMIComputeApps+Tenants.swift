import LabPipeline

extension NvidiaSMIComputeApps {
  /// Each tenant's process in this sample, by the pid its probe printed (`probe: pid N`) in the
  /// artifact `file(tenant)`; notes a gap for a missing artifact, pid or process, and cites and
  /// excerpts what it found. `who` names a tenant in the gaps ("tenant", "client").
  func processes(
    of tenants: [CardTenant], who: String, in bundle: EvidenceBundle, file: (String) -> String,
    _ outcome: inout CheckOutcome
  ) -> [(tenant: String, process: Process)] {
    var found: [(tenant: String, process: Process)] = []
    for tenant in tenants {
      let name = file(tenant.name)
      guard let artifact = bundle.artifact(name) else {
        outcome.gaps.append("\(name) missing: \(who) \(tenant.name)'s pid is unknown")
        continue
      }
      outcome.cite(artifact)
      guard let pid = TenantCoResidencyCheck.pid(in: artifact.outputLines) else {
        outcome.gaps.append("no `probe: pid N` line in \(name)")
        continue
      }
      guard let process = processes.first(where: { $0.pid == pid }) else {
        outcome.gaps.append("\(who) \(tenant.name) (pid \(pid)) is not in the host's GPU processes")
        continue
      }
      outcome.excerpt.append(process.line)
      found.append((tenant.name, process))
    }
    return found
  }
}
