@_exported import StarlingTestSupport

/// Every child process of these tests is a `SpawnedProcess`: Foundation's `Process.run()`
/// crashes the test process when many descriptors are open (see `SpawnedProcess`).
typealias Process = SpawnedProcess
