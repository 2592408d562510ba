// Addresses, TLS options, `SPError` and `SPProtocol` live in StarlingNetwork, which
// StarlingSystem shares; `import Starling` keeps bringing them.
@_exported import StarlingNetwork

// A message's header and body are NIO `ByteBuffer`s: make them usable without importing NIOCore.
@_exported import struct NIOCore.ByteBuffer
@_exported import struct NIOCore.ByteBufferAllocator
// A socket's clock is an option (`SocketOptions.clock`): make the clock types usable without
// importing StarlingChannels.
@_exported import struct StarlingChannels.AnyClock
@_exported import class StarlingChannels.ManualClock
