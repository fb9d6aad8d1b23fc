// End-to-end test of alerting: a failed run reported through the API opens an alert that
// the SPA shows as firing, an operator acknowledges it there, a successful run resolves it,
// and a Microsoft Teams receiver (a real local HTTP server) gets the Adaptive Cards.
// The shared harness (harness.mjs): its own bms on a fresh temporary database, serving dist/.
//
//   node --test frontend/e2e/alerts.test.mjs
//
// Environment: BMS_BIN (default target/debug/bms), STATIC_DIR (default dist),
// CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (default artifacts/screenshots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { ADMIN_PASSWORD, SHOTS, api, launchBrowser, startServer, stopServer, within } from './harness.mjs';


/** A local "Teams" webhook: records every POST (path and parsed JSON body) and answers 200. */
function startReceiver() {
    const received = [];
    const server = createServer((request, response) => {
        let data = '';
        request.on('data', (chunk) => { data += chunk; });
        request.on('end', () => {
            if (request.method === 'POST') {
                let body = null;
                try { body = JSON.parse(data); } catch { body = data; }
                received.push({ path: request.url, body, text: data });
            }
            response.writeHead(200, { 'Content-Type': 'text/plain' });
            response.end('1');
        });
    });
    return new Promise((resolvePromise) => {
        server.listen(0, '127.0.0.1', () => resolvePromise({ server, received, port: server.address().port }));
    });
}


/** The card's text blocks, as one string. */
const cardText = (post) => JSON.stringify(post.body?.attachments?.[0]?.content?.body ?? []);

test('a failed run fires an alert: Teams gets an Adaptive Card, the UI acknowledges it, a successful run resolves it', async (t) => {
    const started = performance.now();
    const mark = (what) => t.diagnostic(`${what} at ${Math.round(performance.now() - started)} ms`);
    const receiver = await startReceiver();
    let server;
    let browser;
    try {
        server = await startServer();
        const { base } = server;
        mark('bms started');

        // The admin signs in with the one-time password and replaces it.
        const first = await api(base, '/api/v1/auth/login', { method: 'POST', body: { username: 'admin', password: server.password } });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const changed = await api(base, '/api/v1/auth/change-password', {
            method: 'POST',
            token: first.body.access_token,
            body: { current_password: server.password, new_password: ADMIN_PASSWORD },
        });
        assert.equal(changed.status, 200, JSON.stringify(changed.body));
        const call = (path, options = {}) => api(base, path, { token: changed.body.access_token, ...options });

        const channel = await call('/api/v1/notifications/channels', {
            method: 'POST',
            body: { name: 'teams', kind: 'teams', url: `http://127.0.0.1:${receiver.port}/teams`, language: 'en' },
        });
        assert.equal(channel.status, 201, JSON.stringify(channel.body));
        const route = await call('/api/v1/notifications/routes', {
            method: 'POST',
            body: { name: 'all to teams', channel_ids: [channel.body.id], group_wait_seconds: 0, group_interval_seconds: 0 },
        });
        assert.equal(route.status, 201, JSON.stringify(route.body));
        const job = await call('/api/v1/jobs', {
            method: 'POST',
            body: { name: 'nas-01-daily', job_type: 'file', backup_tool: 'restic' },
        });
        assert.equal(job.status, 201, JSON.stringify(job.body));
        const failed = await call('/api/v1/executions', {
            method: 'POST',
            body: { job_id: job.body.id, result: 'failed', error_message: 'disk full' },
        });
        assert.equal(failed.status, 201, JSON.stringify(failed.body));
        mark('failed run reported');

        // Teams gets one Adaptive Card about the failed run (other alerts may come too).
        const teamsPosts = () => receiver.received.filter((post) => post.path === '/teams');
        const fired = await within(15000, () => teamsPosts().find((post) => {
            const text = cardText(post);
            return text.includes('nas-01-daily') && text.includes('the latest run failed');
        }), `a Teams card about nas-01-daily (got ${receiver.received.length} POSTs)`);
        mark('Teams card (fired) received');
        assert.equal(fired.body.type, 'message');
        const attachment = fired.body.attachments[0];
        assert.equal(attachment.contentType, 'application/vnd.microsoft.card.adaptive');
        assert.equal(attachment.content.type, 'AdaptiveCard');
        assert.equal(attachment.content.actions[0].type, 'Action.OpenUrl');
        assert.match(attachment.content.actions[0].url, /\/alerts\//, JSON.stringify(attachment.content.actions));

        // The UI lists it as firing; the operator acknowledges it with a note.
        mkdirSync(SHOTS, { recursive: true });
        browser = await launchBrowser();
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'Asia/Tokyo' });
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
            if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
        });
        await page.goto(`${base}/login`);
        await page.fill('#f-username', 'admin');
        await page.fill('#f-password', ADMIN_PASSWORD);
        await page.click('form button[type=submit]');
        await page.waitForSelector('.tiles');
        mark('signed in');

        await page.goto(`${base}/alerts`);
        const row = page.locator('[data-testid="alerts-table"] tr[data-alert-id][data-status="firing"]', { hasText: 'nas-01-daily' });
        await row.first().waitFor({ timeout: 15000 });
        const alertId = await row.first().getAttribute('data-alert-id');
        await shot(page, 'alerts-01-firing');
        await row.first().locator(`a[href="/alerts/${alertId}"]`).click();
        await page.waitForURL(`${base}/alerts/${alertId}`);
        await page.fill('[data-testid="alert-note"]', 'looking into it');
        await page.click('[data-testid="alert-acknowledge"]');
        await page.waitForSelector('[data-testid="alert-status"][data-status="acknowledged"]');
        assert.equal(await page.locator('[data-testid="alert-timeline"] [data-kind="acknowledged"]').count(), 1,
            await page.textContent('[data-testid="alert-timeline"]'));
        await shot(page, 'alerts-02-acknowledged');
        mark(`alert ${alertId} acknowledged in the UI`);

        // A successful run resolves it (the page shows it after a reload).
        const recovered = await call('/api/v1/executions', { method: 'POST', body: { job_id: job.body.id, result: 'success' } });
        assert.equal(recovered.status, 201, JSON.stringify(recovered.body));
        await within(15000, async () => {
            await page.reload();
            try {
                await page.waitForSelector('[data-testid="alert-status"][data-status="resolved"]', { timeout: 1000 });
                return true;
            } catch {
                return false;
            }
        }, 'the alert page to show Resolved');
        await shot(page, 'alerts-03-resolved');
        mark('alert shown resolved');
        const alert = await call(`/api/v1/alerts/${alertId}`);
        assert.equal(alert.status, 200, JSON.stringify(alert.body));
        assert.equal(alert.body.alert.status, 'resolved', JSON.stringify(alert.body));
        assert.equal(alert.body.alert.acknowledged_by, 'admin', JSON.stringify(alert.body));

        // Teams hears of the recovery too.
        const resolvedCard = await within(15000, () => teamsPosts().find((post) => post !== fired && cardText(post).includes('RESOLVED')),
            `a second Teams card with RESOLVED (got: ${teamsPosts().map(cardText).join(' | ')})`);
        assert.match(cardText(resolvedCard), /nas-01-daily/);
        mark(`Teams card (resolved) received; ${teamsPosts().length} Teams POSTs in all`);
        assert.deepEqual(errors, [], 'no errors in the browser console');
    } finally {
        await browser?.close();
        if (server) await stopServer(server);
        receiver.server.closeAllConnections();
        await new Promise((resolveClose) => receiver.server.close(resolveClose));
    }
});

function shot(page, name) {
    return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
