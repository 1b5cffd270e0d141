extension Int {
  /// `~40 GB`-style rounding of MiB for prose (1 GB = 1024 MiB, as nvidia-smi's marketing sizes).
  var roundedGB: Int { Int((Double(self) / 1024).rounded()) }
}
