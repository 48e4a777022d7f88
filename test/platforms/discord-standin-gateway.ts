/**
 * The gateway half of the Discord stand-in: a WebSocket speaking the v10 JSON protocol
 * the real discord.js client expects — HELLO, IDENTIFY → READY (+ GUILD_CREATE per guild),
 * heartbeat → ACK, RESUME → replay of missed events + RESUMED — and dispatching events.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface GatewayOptions {
  token: string;
  /** Intent bits the application may not use: IDENTIFY with any of them is closed with 4014, as Discord does. */
  disallowedIntents: number;
  heartbeatIntervalMs: number;
  /** Builds the READY payload (user, application, guilds as unavailable). */
  ready: (sessionId: string) => Record<string, unknown>;
  /** Full guild objects sent as GUILD_CREATE after READY. */
  guilds: () => Record<string, unknown>[];
  resumeUrl: () => string;
}

export interface IdentifyRecord {
  intents: number;
  /** true when the IDENTIFY token matched (the token itself is never stored). */
  tokenOk: boolean;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of this session, for replay on RESUME. */
  log: { s: number; t: string; d: unknown }[];
  socket?: WebSocket;
}

export class GatewayStandIn {
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: { sessionId: string; seq: number }[] = [];
  heartbeats = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private nextSession = 1;

  constructor(private readonly options: GatewayOptions) {
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Number of sockets that completed IDENTIFY or RESUME. */
  get readySessions(): number {
    return [...this.sessions.values()].filter((s) => s.socket).length;
  }

  /** Send a dispatch event to every connected session. */
  dispatch(t: string, d: unknown): void {
    for (const session of this.sessions.values()) {
      session.seq += 1;
      const event = { s: session.seq, t, d };
      session.log.push(event);
      if (session.socket) this.send(session.socket, { op: 0, ...event });
    }
  }

  /** Drop every connection with a resumable close code; clients should RESUME. */
  disconnectAll(code = 4000): void {
    for (const session of this.sessions.values()) {
      session.socket?.close(code, 'stand-in disconnect');
      session.socket = undefined;
    }
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private send(socket: WebSocket, payload: unknown): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  }

  private onConnection(socket: WebSocket): void {
    this.send(socket, { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
    socket.on('message', (raw) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      this.onPayload(socket, payload);
    });
    socket.on('close', () => {
      for (const session of this.sessions.values()) if (session.socket === socket) session.socket = undefined;
    });
  }

  private onPayload(socket: WebSocket, payload: { op: number; d: unknown }): void {
    switch (payload.op) {
      case 1: // heartbeat
        this.heartbeats += 1;
        this.send(socket, { op: 11 });
        return;
      case 2: {
        const d = payload.d as { token?: string; intents?: number };
        const tokenOk = d.token === this.options.token;
        this.identifies.push({ intents: d.intents ?? 0, tokenOk });
        if (!tokenOk) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        if ((d.intents ?? 0) & this.options.disallowedIntents) {
          socket.close(4014, 'Disallowed intent(s).');
          return;
        }
        const session: Session = { id: `session-${this.nextSession++}`, seq: 0, log: [], socket };
        this.sessions.set(session.id, session);
        this.sendTo(session, 'READY', { ...this.options.ready(session.id), session_id: session.id, resume_gateway_url: this.options.resumeUrl() });
        for (const guild of this.options.guilds()) this.sendTo(session, 'GUILD_CREATE', guild);
        return;
      }
      case 6: {
        const d = payload.d as { token?: string; session_id?: string; seq?: number };
        const session = d.session_id ? this.sessions.get(d.session_id) : undefined;
        if (!session || d.token !== this.options.token) {
          this.send(socket, { op: 9, d: false });
          return;
        }
        this.resumes.push({ sessionId: session.id, seq: d.seq ?? 0 });
        session.socket = socket;
        for (const event of session.log) if (event.s > (d.seq ?? 0)) this.send(socket, { op: 0, ...event });
        this.sendTo(session, 'RESUMED', null);
        return;
      }
      default:
        return; // presence/voice updates etc.: not used by the bot
    }
  }

  private sendTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const event = { s: session.seq, t, d };
    session.log.push(event);
    if (session.socket) this.send(session.socket, { op: 0, ...event });
  }
}
