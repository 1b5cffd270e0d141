import Foundation
import LabPipeline

/// Exercise 5: PASS iff the run's own MPS control daemon served the clients: its log shows it
/// started on a socket inside the run's private directory (not the system's /tmp/nvidia-mps),
/// a server started for the clients and clients connected; and each client's environment points
/// at that pipe directory with its own pinned limit. A client pointed elsewhere, a limit other
/// than its own, or a daemon on another socket is a FAIL; a missing log or server is INCONCLUSIVE.
struct MPSMechanismCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "5", "The mechanism",
    criteria: "a private MPS daemon and server; each client's environment names its pipe and its own limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    guard let daemon = evidence.bundle.artifact(MPSCatalog.daemon) else {
      throw Inconclusive(reason: "\(MPSCatalog.daemon) missing: nothing shows how the MPS daemon started")
    }
    outcome.cite(daemon)
    guard let start = MPSControlLog(lines: daemon.outputLines), let socket = start.socket,
      let controlPID = start.controlPID, let startLine = start.startLine
    else {
      throw Inconclusive(reason: "no `Starting control daemon using socket …` line in \(MPSCatalog.daemon)")
    }
    outcome.excerpt.append(startLine.line)
    let pipe = String(socket.dropLast("/control".count))
    if !socket.hasSuffix("/control") || !pipe.contains(MPSCatalog.workDirectoryPrefix) {
      outcome.failures.append(
        "the daemon listened on \(socket), not in the run's private directory (\(MPSCatalog.workDirectoryPrefix)…)"
      )
    }
    let during = evidence.bundle.artifact(MPSCatalog.coResidency)
    outcome.cite(during)
    let log = during.flatMap { MPSControlLog(lines: $0.outputLines) }
    let servers = log?.serverPIDs ?? []
    let clients = log?.clientPIDs ?? []
    for entry in (log?.entries ?? []) where entry.message.hasPrefix("Starting new server") {
      outcome.excerpt.append(entry.line)
    }
    if servers.isEmpty {
      outcome.gaps.append("no `Starting new server N` line in the daemon's log (\(MPSCatalog.coResidency))")
    }
    if clients.isEmpty {
      outcome.gaps.append("no `NEW CLIENT` line in the daemon's log (\(MPSCatalog.coResidency))")
    }
    var environments: [String] = []
    evidence.forEachArtifact(of: tenants, file: MPSCatalog.tenantAlone, &outcome) {
      tenant, file, artifact, outcome in
      let lines = artifact.outputLines
      let variables = Dictionary(
        lines.filter { $0.hasPrefix("CUDA_MPS_") }.compactMap { line -> (String, String)? in
          let parts = line.split(separator: "=", maxSplits: 1)
          return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { first, _ in first })
      guard let clientPipe = variables["CUDA_MPS_PIPE_DIRECTORY"] else {
        outcome.gaps.append("no CUDA_MPS_PIPE_DIRECTORY in client \(tenant.name)'s environment (\(file))")
        return
      }
      outcome.excerpt += lines.filter {
        $0.hasPrefix("CUDA_MPS_PIPE_DIRECTORY=") || $0.hasPrefix("CUDA_MPS_PINNED")
      }
      if clientPipe != pipe {
        outcome.failures.append(
          "client \(tenant.name) points at \(clientPipe), not the run's daemon on \(pipe)")
      }
      let limit = variables["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"]
      if limit != "0=\(tenant.sliceMiB)M" {
        outcome.failures.append(
          "client \(tenant.name) ran with CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=\(limit ?? "unset"), not 0=\(tenant.sliceMiB)M"
        )
      } else {
        environments.append("\(tenant.name): CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=\(limit ?? "")")
      }
    }
    if let decided = outcome.decided { return decided }
    return Finding(
      .pass,
      "the run's own MPS control daemon (pid \(controlPID), socket \(socket)) started server pid "
        + servers.map(String.init).joined(separator: ", ")
        + " for \(clients.count) client connections; each client "
        + "pointed at \(pipe) with its own limit (\(environments.joined(separator: ", ")))",
      facts: [
        "control_pid": String(controlPID), "server_pids": servers.map(String.init).joined(separator: ","),
      ])
  }
}
