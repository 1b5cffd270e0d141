import Foundation
import LabPipeline

/// One process of a lab that shares one card between tenants (a HAMi-core tenant, an MPS
/// client): a name (`a`, `b`, …) and its memory slice (the MPS client's pinned limit).
struct CardTenant: Sendable, Hashable, Codable {
  var name: String
  var sliceMiB: Int

  /// HAMi-core's limit for the slice, in bytes (`CUDA_DEVICE_MEMORY_LIMIT=<slice>m`).
  var limitBytes: UInt64 { UInt64(sliceMiB) * 1_048_576 }

  /// Tenants from `4000,12000`: a, b, … in order; nil when a slice is not a positive number.
  static func parse(_ text: String) -> [CardTenant]? {
    let slices = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard slices.count >= 2, slices.count <= 26, slices.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
    return slices.enumerated().map { index, slice in
      CardTenant(name: letter(at: index), sliceMiB: slice ?? 0)
    }
  }

  /// Integers from `50,25`; nil when one is not a number in 1...100.
  static func limits(_ text: String) -> [Int]? {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ (1...100).contains($0 ?? 0) }) else { return nil }
    return values.compactMap { $0 }
  }
}

extension CardTenant {
  /// The name of the tenant at `index`: a, b, c, …
  static func letter(at index: Int) -> String { String(UnicodeScalar(UInt8(97 + index % 26))) }
}
