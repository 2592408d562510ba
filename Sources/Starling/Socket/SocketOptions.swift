import NIOCore

/// A socket's options, with nng's defaults.
public struct SocketOptions: Sendable {
  /// How long a send may wait for a peer to take the message; `nil` waits forever.
  public var sendTimeout: Duration?
  /// How long a receive may wait for a message; `nil` waits forever.
  public var receiveTimeout: Duration?
  /// The largest message accepted from a peer, in bytes; a larger one closes that pipe and
  /// is recorded. 0 means no limit (up to 2 GiB). The default is 1 MiB, a safe limit for a
  /// service facing peers it does not control.
  public var receiveMaxSize: Int = 1 << 20
  /// How many received messages wait in the socket before it stops reading from its pipes.
  public var receiveBufferSize: Int = 128
  /// How many bytes each pipe (connection) holds for its peer at most, beyond what the kernel
  /// has taken: messages `send` has accepted that are not yet written to the connection, each
  /// counted with its 8-byte frame prefix. Half of it is the pipe's queue, half the connection's
  /// outbound buffer. A pipe that holds its share takes no more until it has written some out;
  /// when no pipe can take a message, `send` waits (up to ``sendTimeout``), so a sender faster
  /// than its peers waits instead of growing memory. The default is 128 KiB per pipe.
  ///
  /// Over tcp (tcp, tls+tcp, ws, wss) the kernel's queue of bytes not yet sent is held to the
  /// same size (`TCP_NOTSENT_LOWAT`); without that, Linux lets it grow to a few MiB. So a peer
  /// that dies loses about twice the window, plus what was in flight and in its own receive
  /// buffer. Bytes in flight are not limited: throughput over long, fast links is not.
  ///
  /// The bound is soft by a message or two: an empty pipe always takes a message, however
  /// large, and a message routed while the pipe was filling still goes in. A window smaller
  /// than a few messages costs throughput. inproc pipes hold nothing and have no window. Read
  /// when a connection is made.
  public var sendWindow: Int = 128 << 10
  /// The first wait before a dialer reconnects.
  public var reconnectMinimum: Duration = .seconds(1)
  /// With a value above ``reconnectMinimum``, each failed attempt doubles the wait up to this,
  /// jittered. `nil`, as in nng, keeps the wait at the minimum.
  public var reconnectMaximum: Duration?
  /// How many hops a request, survey or pair1 message may take (1 to 15).
  public var maxTTL: Int = 8
  /// How long a `Req0` waits for a reply before it sends the request again.
  public var resendTime: Duration = .seconds(60)
  /// How long a `Surveyor0` collects responses to a survey.
  public var surveyTime: Duration = .seconds(1)
  /// TCP_NODELAY on tcp connections.
  public var tcpNoDelay = true
  /// SO_KEEPALIVE on tcp connections.
  public var tcpKeepAlive = false
  /// How long a new connection may take to send its SP header (for tls+tcp and wss, the TLS
  /// handshake included). Measured on the event loop's real time, not on ``clock``.
  public var handshakeTimeout: Duration = .seconds(10)
  /// The clock the socket's timers run on: send and receive timeouts, `Req0`'s resend time,
  /// `Surveyor0`'s survey time and a dialer's reconnect waits. The real clock by default; a
  /// `ManualClock` (wrapped: `AnyClock(manualClock)`) lets a test move time itself. See
  /// <doc:ControllingTimeInTests>.
  ///
  /// Read when the socket is made: a socket keeps the clock it was made with, and later
  /// changes to its options leave it so. The handshake timeout and `close(linger:)` are
  /// measured on real time whatever the clock.
  public var clock: AnyClock = .continuous
  /// TLS settings for `tls+tcp://` and `wss://`: certificates, trust roots, server name and
  /// authentication. Dialers verify the listener's certificate by default. Read when `dial` or
  /// `listen` is called: later changes apply to later dialers and listeners.
  public var tls = TLSOptions()
  /// The transports `dial` and `listen` find by the address's scheme, and the NIO event loop
  /// group they run on: ``TransportRegistry/standard`` (Starling's transports on NIO's shared
  /// group) unless set. Read when `dial` or `listen` is called.
  public var transports: TransportRegistry = .standard

  /// The defaults.
  public init() {}
}

extension Duration {
  /// The duration as NIO's `TimeAmount`.
  var timeAmount: TimeAmount {
    .nanoseconds(nanoseconds)
  }

  /// The duration in whole nanoseconds (rounded toward zero).
  var nanoseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }
}
