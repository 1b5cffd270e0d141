import Foundation

/// nvidia-smi on the host and in pods, and the CUDA probe.
extension SimTool {
  func nvidiaSMI(_ arguments: [String], state: SimState, visibleMiB: Int? = nil) -> SimToolResult {
    let profile = state.profile
    if state.scenario == .driverBroken {
      return .fail(
        "", status: 9,
        stdout: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
          + "Make sure that the latest NVIDIA driver is installed and running.\n\n")
    }
    if arguments.contains("-L") {
      return .ok(
        (0..<profile.gpuCount).map { "GPU \($0): \(profile.name) (UUID: \(profile.uuid(of: $0)))\n" }.joined()
      )
    }
    let total = visibleMiB ?? profile.memoryMiB
    let mig =
      state.scenario == .migEnabled ? "Enabled" : (profile.id.hasPrefix("h100") ? "Disabled" : "[N/A]")
    if let query = arguments.first(where: { $0.hasPrefix("--query-gpu=") }) {
      let fields = query.dropFirst("--query-gpu=".count).split(separator: ",").map(String.init)
      let noHeader = arguments.contains { $0.hasPrefix("--format=") && $0.contains("noheader") }
      var out = ""
      for index in 0..<profile.gpuCount {
        let values: [String: (String, String)] = [
          "name": ("name", profile.name), "uuid": ("uuid", profile.uuid(of: index)),
          "memory.total": ("memory.total [MiB]", "\(total) MiB"),
          "memory.used": ("memory.used [MiB]", "0 MiB"),
          "driver_version": ("driver_version", profile.driver), "mig.mode.current": ("mig.mode.current", mig),
          "compute_mode": ("compute_mode", "Default"),
        ]
        if index == 0, !noHeader { out += fields.map { values[$0]?.0 ?? $0 }.joined(separator: ", ") + "\n" }
        out += fields.map { values[$0]?.1 ?? "[N/A]" }.joined(separator: ", ") + "\n"
      }
      return .ok(out)
    }
    return .ok(
      Self.table(
        profile: profile, totalMiB: total, migCell: state.scenario == .migEnabled ? "Enabled" : "N/A",
        gpus: profile.gpuCount))
  }

  /// The `nvidia-smi` table of `gpus` such cards (in a pod: the one it was given).
  static func table(profile: SimProfile, totalMiB: Int, migCell: String, gpus: Int = 1) -> String {
    let header =
      "NVIDIA-SMI \(profile.driver)             Driver Version: \(profile.driver)   CUDA Version: \(profile.cuda)"
    // A six-digit total (an H200's 143771MiB) takes a column from the used side, as nvidia-smi does.
    let total = "\(totalMiB)MiB"
    let memory = pad("0MiB", 10 - max(0, total.count - 8)) + " / " + pad(total, 8) + " "
    func row(index: Int) -> String {
      "|   \(index)  \(padRight(profile.tableName, 31))On  | 00000000:00:0\(5 + index).0 Off |                  Off |\n"
        + "| 30%   33C    P8             \(pad("22W / \(profile.powerCapW)W", 11)) |\(pad(memory, 22))|      0%      Default |\n"
        + "|                                         |                      |\(pad(migCell, 21)) |\n"
        + "+-----------------------------------------+----------------------+----------------------+\n"
    }
    return """
      \(SimClock.ctime())       
      +---------------------------------------------------------------------------------------+
      | \(padRight(header, 85)) |
      |-----------------------------------------+----------------------+----------------------+
      | GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |
      | Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |
      |                                         |                      |               MIG M. |
      |=========================================+======================+======================|
      \(String((0..<gpus).map { row(index: $0) }.joined().dropLast()))
                                                                                               
      +---------------------------------------------------------------------------------------+
      | Processes:                                                                            |
      |  GPU   GI   CI        PID   Type   Process name                            GPU Memory |
      |        ID   ID                                                             Usage      |
      |=======================================================================================|
      |  No running processes found                                                           |
      +---------------------------------------------------------------------------------------+

      """
  }

  /// The CUDA probe in a pod: 256 MiB chunks until refused, by HAMi-core at the slice when
  /// it caps, else by the card near its physical size.
  static func probe(profile: SimProfile, sliceMiB: Int?, caps: Bool, pid: Int) -> String {
    let thread = 139_883_541_374_976
    let visible = sliceMiB ?? profile.memoryMiB
    var lines: [String] = []
    if sliceMiB != nil { lines.append("[HAMI-core Msg(\(pid):\(thread):libvgpu.c:836)]: Initializing.....") }
    lines.append("probe: device 0 \(profile.name), cudaMemGetInfo free=\(visible) MiB total=\(visible) MiB")
    let contextMiB = 260
    var allocated = 0
    while true {
      let next = allocated + 256
      if let sliceMiB, caps, next + contextMiB > sliceMiB {
        lines.append(
          "[HAMI-core ERROR (pid:\(pid) thread=\(thread) allocator.c:52)]: Device 0 OOM "
            + "\(Int64(next + contextMiB) * 1_048_576) / \(Int64(sliceMiB) * 1_048_576)")
        break
      }
      if next > profile.memoryMiB - 244 { break }
      allocated = next
      lines.append("allocated \(allocated) MiB")
      if allocated == 2048, let sliceMiB {
        lines.append(
          "[HAMI-core Msg(\(pid):\(thread):memory.c:511)]: orig free=\(profile.memoryMiB) total=\(profile.memoryMiB) "
            + "limit=\(Int64(sliceMiB) * 1_048_576) usage=\(Int64(allocated) * 1_048_576)")
      }
    }
    lines.append("cudaMalloc refused after \(allocated) MiB allocated: out of memory")
    if sliceMiB != nil {
      lines.append(
        "[HAMI-core Msg(\(pid):\(thread):multiprocess_memory_limit.c:497)]: Calling exit handler \(pid)")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
