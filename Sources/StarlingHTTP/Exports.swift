@_exported import StarlingNetwork

// Addresses and TLS options come from StarlingNetwork; requests and replies use SwiftNIO's
// HTTP types and buffers: `import StarlingHTTP` brings them all.
@_exported import struct NIOCore.ByteBuffer
@_exported import struct NIOCore.ByteBufferAllocator
@_exported import enum NIOCore.SocketAddress
@_exported import struct NIOHTTP1.HTTPHeaders
@_exported import enum NIOHTTP1.HTTPMethod
@_exported import enum NIOHTTP1.HTTPResponseStatus
@_exported import struct NIOHTTP1.HTTPVersion
