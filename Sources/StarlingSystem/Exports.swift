// Addresses, TLS options and SPError (the errors of connecting and listening) come from
// StarlingNetwork, shared with Starling's sockets; `import StarlingSystem` brings them.
@_exported import StarlingNetwork

// Streams read and write NIO `ByteBuffer`s, and sockets name their peers with NIO
// `SocketAddress`es: usable without importing NIOCore.
@_exported import struct NIOCore.ByteBuffer
@_exported import struct NIOCore.ByteBufferAllocator
@_exported import enum NIOCore.SocketAddress
