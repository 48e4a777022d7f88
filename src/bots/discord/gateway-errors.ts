/**
 * Gateway close codes Discord will not let the bot recover from, each with the fix a
 * person can apply — and where (Discord's documented close codes, discord.com/developers
 * → Topics → Opcodes and Status Codes). Used for the start-up error, the log and `/readyz`.
 */
import { GatewayCloseCodes } from 'discord.js';

const PORTAL = 'Discord Developer Portal → Applications → (your application)';

const FIXES: Partial<Record<number, string>> = {
  [GatewayCloseCodes.DisallowedIntents]:
    `Discord closed the gateway with 4014 (disallowed intent): the Message Content intent is off. Fix: ${PORTAL} → Bot → Privileged Gateway Intents → turn on "Message Content Intent", save, and restart mrag.`,
  [GatewayCloseCodes.AuthenticationFailed]: `Discord closed the gateway with 4004 (authentication failed): DISCORD_TOKEN is wrong or was reset. Fix: ${PORTAL} → Bot → Reset Token, then set DISCORD_TOKEN.`,
  [GatewayCloseCodes.InvalidIntents]: 'Discord closed the gateway with 4013 (invalid intents): this mrag-bot version asks for intents Discord does not know; upgrade mrag-bot.',
  [GatewayCloseCodes.InvalidShard]: 'Discord closed the gateway with 4010 (invalid shard); restart mrag.',
  [GatewayCloseCodes.ShardingRequired]: 'Discord closed the gateway with 4011 (sharding required): the bot is in too many servers for one connection.',
  [GatewayCloseCodes.InvalidAPIVersion]: 'Discord closed the gateway with 4012 (invalid API version): upgrade mrag-bot.',
};

/** The fix for a fatal close code, or undefined when the client reconnects by itself. */
export function fatalCloseFix(code: number): string | undefined {
  return FIXES[code];
}
