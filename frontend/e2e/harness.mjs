// What every end-to-end test file shares: the paths, a bms server on a fresh temporary
// database (port and first admin password read from its log), the JSON API client,
// Chromium's launch options, and polling.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

export const root = resolve(import.meta.dirname, '../..');
const require = createRequire(join(root, '.tools/package.json'));
export const { chromium } = require('playwright-core');

export const BMS_BIN = process.env.BMS_BIN ?? join(root, 'target/debug/bms');
export const STATIC_DIR = process.env.STATIC_DIR ?? join(root, 'dist');
export const SHOTS = process.env.SCREENSHOT_DIR ?? join(root, 'artifacts/screenshots');
export const ADMIN_PASSWORD = 'Tr1cky-Backup-Passphrase!';

// Every server started, stopped (and its data removed) by `stopServers`.
const servers = [];

/** Starts bms on a free port with a fresh database (and evidence folder) in a temporary directory. */
export function startServer(extraEnv = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'bms-e2e-'));
    return new Promise((resolvePromise, reject) => {
        const child = spawn(BMS_BIN, ['serve'], {
            env: {
                ...process.env,
                DATABASE_PATH: join(dir, 'bms.db'),
                ATTACHMENT_DIR: join(dir, 'attachments'),
                PORT: '0',
                HOST: '127.0.0.1',
                STATIC_DIR,
                RUST_LOG: 'info',
                DASHBOARD_CACHE_SECONDS: '0',
                ...extraEnv,
            },
            stdio: ['ignore', 'ignore', 'pipe'],
        });
        let log = '';
        let started = false;
        const timer = setTimeout(() => {
            child.kill('SIGTERM');
            reject(new Error(`bms did not start:\n${log}`));
        }, 30000);
        child.stderr.on('data', (chunk) => {
            log += chunk.toString();
            const password = log.match(/password: (\S+)/);
            const port = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
            if (password && port && !started) {
                started = true;
                clearTimeout(timer);
                const server = { child, dir, password: password[1], base: `http://127.0.0.1:${port[1]}`, log: () => log };
                servers.push(server);
                resolvePromise(server);
            }
        });
        child.on('exit', (code) => {
            clearTimeout(timer);
            if (!started) reject(new Error(`bms exited with ${code}:\n${log}`));
        });
    });
}

/** Stops one server (SIGTERM, waits for the exit) and removes its data. */
export async function stopServer(server) {
    server.child.kill('SIGTERM');
    await new Promise((resolveExit) => {
        if (server.child.exitCode !== null) resolveExit();
        else server.child.once('exit', resolveExit);
    });
    rmSync(server.dir, { recursive: true, force: true });
}

/** Stops every server still running. */
export async function stopServers() {
    for (const server of servers.splice(0)) await stopServer(server);
}

/** Headless Chromium with the flags this machine's closed network needs. */
export function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
}

/** One JSON API call: `{status, body, type}` (the body parsed when it is JSON). */
export async function api(base, path, { method = 'GET', body, token, apiKey } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (apiKey) headers['X-API-Key'] = apiKey;
    const response = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
    const text = await response.text();
    let parsed = null;
    try {
        parsed = text ? JSON.parse(text) : null;
    } catch {
        parsed = text;
    }
    return { status: response.status, body: parsed, type: response.headers.get('content-type') };
}

export const sleep = (ms) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

/** Calls `check` every 250 ms until it returns something truthy, for at most `ms`. */
export async function within(ms, check, what) {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = await check();
        if (value) return value;
        if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(250);
    }
}
