// End-to-end tests of the SPA: headless Debian Chromium driven by playwright-core, against
// the real `bms` binary serving the built SPA (dist/). Every test starts its own bms on a
// fresh temporary database and sets up what it needs, so tests run in any order and one
// failure does not cascade.
//
//   node --test frontend/e2e/          (scripts/test.sh runs it after building both)
//
// Environment: BMS_BIN (default target/debug/bms), STATIC_DIR (default dist),
// CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (default artifacts/screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { ADMIN_PASSWORD, SHOTS, api as call, launchBrowser, startServer, stopServers } from './harness.mjs';

const VIEWER_PASSWORD = 'Another-Long-Passphrase-42';

let browser;

before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopServers();
});

async function newPage(options = {}) {
    const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: 'en-US',
        timezoneId: 'Asia/Tokyo',
        permissions: ['clipboard-read', 'clipboard-write'],
        ...options,
    });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (error) => page.errors.push(error.message));
    page.on('console', (message) => {
        // Expected 4xx answers show up as "Failed to load resource"; anything else is a bug.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
            page.errors.push(message.text());
        }
    });
    return page;
}

const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function login(page, username, password, at) {
    await page.goto(`${at}/login`);
    await page.fill('#f-username', username);
    await page.fill('#f-password', password);
    await page.click('form button[type=submit]');
}


/** The JSON API at `at` (this file passes the base last). */
const api = (path, options, at) => call(at, path, options);

/** Clicks "Refresh" until `check` passes (evaluation after a change is asynchronous). */
async function refreshUntil(page, check, what) {
    for (let attempt = 0; attempt < 30; attempt++) {
        if (await check()) return;
        await page.click('button:has-text("Refresh")');
        await page.waitForTimeout(500);
    }
    assert.fail(`timed out waiting for ${what}`);
}

/** Calls `check` until it returns something truthy (the server evaluates results in the background). */
async function eventually(check, what) {
    for (let attempt = 0; attempt < 60; attempt++) {
        const value = await check();
        if (value) return value;
        await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }
    assert.fail(`timed out waiting for ${what}`);
}

// Each test starts from a server of its own (a fresh database), so it does not depend on
// what another test did, or on the order they run in.

/** A fresh server whose admin already replaced the first password (with ADMIN_PASSWORD). */
async function serverWithAdmin(extraEnv = {}) {
    const server = await startServer(extraEnv);
    const first = await api('/api/v1/auth/login', { method: 'POST', body: { username: 'admin', password: server.password } }, server.base);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const changed = await api('/api/v1/auth/change-password', {
        method: 'POST',
        token: first.body.access_token,
        body: { current_password: server.password, new_password: ADMIN_PASSWORD },
    }, server.base);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    server.token = changed.body.access_token;
    server.api = (path, options = {}) => api(path, { token: server.token, ...options }, server.base);
    return server;
}

/** Creates a job through the API; with `copies`, three copies (disk, NAS offsite, tape
 * offline) and a successful run reported for each, waiting until the job is Up. */
async function seedJob(server, { name = 'seeded job', copies = false } = {}) {
    const created = await server.api('/api/v1/jobs', {
        method: 'POST',
        body: { name, job_type: 'file', backup_tool: 'robocopy', target_server: 'fileserver02', cron_expression: '0 3 * * *', timezone: 'Asia/Tokyo' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const job = created.body;
    if (copies) {
        const definitions = [
            { copy_type: 'primary', media_type: 'disk', location: 'Tokyo DC' },
            { copy_type: 'secondary', media_type: 'nas', location: 'Osaka DR', offsite: true },
            { copy_type: 'offline', media_type: 'tape', location: 'Vault', offline: true },
        ];
        for (const definition of definitions) {
            const copy = await server.api(`/api/v1/jobs/${job.id}/copies`, { method: 'POST', body: definition });
            assert.equal(copy.status, 201, JSON.stringify(copy.body));
            const finished = new Date();
            const run = await server.api('/api/v1/executions', {
                method: 'POST',
                body: { job_id: job.id, copy_id: copy.body.id, result: 'success', started_at: new Date(finished.getTime() - 60000).toISOString(), finished_at: finished.toISOString() },
            });
            assert.equal(run.status, 201, JSON.stringify(run.body));
        }
        await eventually(async () => (await server.api(`/api/v1/jobs/${job.id}`)).body.status?.state === 'up', 'the seeded job to be Up');
    }
    return { ...job, url: `${server.base}/jobs/${job.id}` };
}

test('first login forces a password change; the form shows client and server field errors', async () => {
    const { base, password: firstPassword } = await startServer();
    const page = await newPage();
    await page.goto(base);
    await page.waitForURL(`${base}/login`);
    await shot(page, '01-login');

    await login(page, 'admin', 'wrong-password-123', base);
    await page.waitForSelector('.error-box');
    assert.match(await page.textContent('.error-box'), /Wrong username or password/);
    assert.equal(await page.inputValue('#f-username'), 'admin', 'the username is kept after an error');

    await login(page, 'admin', firstPassword, base);
    await page.waitForURL(`${base}/change-password`);
    await page.fill('#f-current_password', firstPassword);
    await page.fill('#f-new_password', 'short');
    assert.equal(await page.textContent('#f-new_password-error'), 'At least 12 characters.', 'checked as you type');
    // Passes the browser's checks, fails the server's common-password list.
    await page.fill('#f-new_password', 'password1234');
    await page.fill('#f-repeat_password', 'password1234');
    await page.click('form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#f-new_password-error')?.textContent.includes('too common'));
    assert.equal(await page.inputValue('#f-repeat_password'), 'password1234', 'input kept on error');
    await shot(page, '02-forced-password-change-error');

    await page.fill('#f-new_password', ADMIN_PASSWORD);
    await page.fill('#f-repeat_password', ADMIN_PASSWORD);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${base}/`);
    await page.waitForSelector('.tiles');
    assert.deepEqual(page.errors, []);
});

test('an operator flow: create a job with copies, report through an API key and a ping URL, see the verdict change', async () => {
    const server = await serverWithAdmin();
    const { base } = server;
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD, base);
    await page.waitForSelector('.tiles');

    // Create an API key for the script first (shown once).
    await page.click('nav >> text=API keys');
    await page.click('#new-key');
    await page.fill('#key-form #f-name', 'nightly script');
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#new-api-key');
    const apiKey = (await page.textContent('#new-api-key')).trim();
    assert.match(apiKey, /^bms_[0-9a-f]{64}$/);
    await page.click('.notice.secret button');
    await page.waitForFunction(() => document.querySelector('.notice.secret button')?.textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), apiKey, 'the copy button copies the key');

    await page.click('nav >> text=Jobs');
    await page.click('#new-job');
    await page.waitForSelector('#job-form');
    // A bad input shows its error next to the field, and nothing is sent.
    await page.fill('#f-grace_minutes', '-5');
    assert.equal(await page.textContent('#f-grace_minutes-error'), 'A whole number from 0 to 10080.');
    await page.click('#job-form button[type=submit]');
    assert.equal(await page.textContent('#f-name-error'), 'Required.');
    assert.match(page.url(), /\/jobs\/new$/);

    await page.fill('#f-name', 'fileserver01 nightly');
    await page.selectOption('#f-backup_tool', 'robocopy');
    await page.fill('#f-target_server', 'fileserver01');
    await page.fill('#f-timezone', 'Asia/Tokyo');
    await page.fill('#f-cron_expression', '0 2 * * *');
    await page.fill('#f-grace_minutes', '60');
    await page.waitForFunction(() => document.querySelectorAll('#cron-preview li').length === 5);
    const firstRun = await page.textContent('#cron-preview li');
    assert.match(firstRun, /02:00/, `next run at 02:00 Tokyo time: ${firstRun}`);
    await shot(page, '03-job-form-cron-preview');
    await page.click('#job-form button[type=submit]');
    await page.waitForURL(/\/jobs\/\d+$/);
    const jobId = Number(page.url().split('/').pop());

    // Before any copy or result, the copies rule fails.
    await page.waitForSelector('li.rule[data-rule=copies]');
    assert.match(await page.getAttribute('li.rule[data-rule=copies]', 'class'), /outcome-fail/);

    const copies = [
        { type: 'primary', media: 'disk', location: 'Tokyo DC' },
        { type: 'secondary', media: 'nas', location: 'Osaka DR', offsite: true },
        { type: 'offline', media: 'tape', location: 'Vault', offline: true },
    ];
    for (const copy of copies) {
        await page.click('#add-copy');
        await page.selectOption('#copy-form #f-copy_type', copy.type);
        await page.selectOption('#copy-form #f-media_type', copy.media);
        await page.fill('#copy-form #f-location', copy.location);
        if (copy.offsite) await page.check('#copy-form #f-offsite');
        if (copy.offline) await page.check('#copy-form #f-offline');
        await page.click('#copy-form button[type=submit]');
        await page.waitForSelector('#copy-form', { state: 'detached' });
    }
    await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length >= 3);

    // The script reports each copy's run with the API key...
    const { body: stored } = await server.api(`/api/v1/jobs/${jobId}/copies`);
    assert.equal(stored.length, 3, 'three copies stored');
    const finished = new Date();
    const started = new Date(finished.getTime() - 25 * 60 * 1000);
    for (const copy of stored.filter((c) => c.copy_type !== 'primary')) {
        const result = await api('/api/v1/executions', {
            method: 'POST',
            apiKey,
            body: { job_id: jobId, copy_id: copy.id, result: 'success', started_at: started.toISOString(),
                finished_at: finished.toISOString(), size_bytes: 5 * 1024 ** 3 },
        }, base);
        assert.equal(result.status, 201, JSON.stringify(result.body));
    }
    // ...and the primary copy's run through the ping URL shown on the page.
    const pingUrl = await page.inputValue('#ping-url');
    assert.match(pingUrl, new RegExp(`^${base}/ping/`));
    assert.match(await page.textContent('#snippet-curl'), new RegExp(pingUrl.replace(/[/.]/g, '\\$&')));
    const ping = await fetch(pingUrl, { method: 'POST', body: 'robocopy finished: 0 errors' });
    assert.equal(ping.status, 200);
    assert.equal((await ping.text()).trim(), 'OK');

    // The UI shows the runs and the new verdict (3 copies, 3 media, offsite, offline pass).
    await refreshUntil(page, async () => /outcome-pass/.test(await page.getAttribute('li.rule[data-rule=copies]', 'class')), 'the copies rule to pass');
    for (const rule of ['media_types', 'offsite', 'offline_or_immutable']) {
        assert.match(await page.getAttribute(`li.rule[data-rule=${rule}]`, 'class'), /outcome-pass/, rule);
    }
    assert.match(await page.textContent('li.rule[data-rule=zero_errors]'), /No restore test/);
    await page.waitForFunction(() => document.querySelectorAll('table.executions tbody tr').length === 3);
    const history = await page.textContent('table.executions');
    assert.match(history, /Ping/);
    assert.match(history, /API/);
    assert.match(history, /5\.0 GiB/);
    await refreshUntil(page, async () => /Up/.test(await page.textContent('h1')), 'the job state to become Up');
    await shot(page, '04-job-detail');

    await page.click('nav >> text=Executions');
    await page.waitForSelector('table.executions');
    assert.equal(await page.locator('table.executions tbody tr').count(), 3);
    await shot(page, '05-executions');

    await page.click('nav >> text=Dashboard');
    await page.waitForSelector('.tiles');
    assert.match(await page.textContent('.tiles'), /1\s*\/\s*1/, 'one active job of one');
    assert.match(await page.textContent('.dashboard'), /Updated at \d\d:\d\d:\d\d/);
    await page.waitForSelector('.chart svg');
    await shot(page, '06-dashboard');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '07-dashboard-phone');
    assert.deepEqual(page.errors, []);
});

test('a viewer sees no write actions and gets a 403 message on a write URL', async () => {
    const server = await serverWithAdmin();
    const { base } = server;
    const job = await seedJob(server);
    const admin = await newPage();
    await login(admin, 'admin', ADMIN_PASSWORD, base);
    await admin.waitForSelector('.tiles');
    await admin.click('nav >> text=Users');
    await admin.click('#new-user');
    await admin.fill('#user-form #f-username', 'noc');
    await admin.fill('#user-form #f-email', 'not-an-email');
    await admin.click('#user-form button[type=submit]');
    assert.equal(await admin.textContent('#f-email-error'), 'Enter a valid e-mail address.');
    await admin.fill('#user-form #f-email', 'noc@example.co.jp');
    await admin.selectOption('#user-form #f-role', 'viewer');
    await admin.click('#user-form button[type=submit]');
    await admin.waitForSelector('#temporary-password');
    const temporary = (await admin.textContent('#temporary-password')).trim();
    await shot(admin, '08-users');
    await admin.click('nav >> text=Audit log');
    await admin.waitForSelector('table.audit');
    assert.match(await admin.textContent('table.audit'), /user\.create/);
    await admin.click('#verify-audit');
    await admin.waitForSelector('.notice.ok');
    await shot(admin, '09-audit');

    const viewer = await newPage();
    await login(viewer, 'noc', temporary, base);
    await viewer.waitForURL(`${base}/change-password`);
    await viewer.fill('#f-current_password', temporary);
    await viewer.fill('#f-new_password', VIEWER_PASSWORD);
    await viewer.fill('#f-repeat_password', VIEWER_PASSWORD);
    await viewer.click('form button[type=submit]');
    await viewer.waitForURL(`${base}/`);
    await viewer.click('nav >> text=Jobs');
    await viewer.waitForSelector('table.jobs');
    assert.equal(await viewer.locator('#new-job').count(), 0, 'no create button');
    assert.equal(await viewer.locator('nav >> text=Users').count(), 0, 'no admin navigation');
    await viewer.goto(job.url);
    await viewer.waitForSelector('li.rule');
    assert.equal(await viewer.locator('button:has-text("Delete")').count(), 0);
    assert.equal(await viewer.locator('#add-copy').count(), 0);
    await viewer.goto(`${base}/jobs/new`);
    await viewer.waitForSelector('.error-box');
    assert.match(await viewer.textContent('.error-box'), /You do not have permission for this\. \(HTTP 403\)/);
    await shot(viewer, '10-viewer-forbidden');

    // Deactivating the account ends its sessions: the open page says so on the login screen.
    const { body: users } = await server.api('/api/v1/users?q=noc');
    const deactivated = await server.api(`/api/v1/users/${users.data[0].id}/deactivate`, { method: 'POST', body: {} });
    assert.equal(deactivated.status, 200);
    await viewer.click('nav >> text=Executions');
    await viewer.waitForURL(`${base}/login`);
    assert.match(await viewer.textContent('.notice'), /Your session has ended/);
    assert.deepEqual(viewer.errors, []);
});

/** Records the query of every request the page sends to `pathname` from now on. */
function recordRequests(page, pathname) {
    const seen = [];
    const listener = (request) => {
        const url = new URL(request.url());
        if (url.pathname === pathname) seen.push(Object.fromEntries(url.searchParams));
    };
    page.on('request', listener);
    return { seen, stop: () => page.off('request', listener) };
}

/** Clicks "Next" until the list says it is on page `number`. */
async function goToPage(page, number) {
    while (!(await page.textContent('.pagination span')).startsWith(`Page ${number} of`)) {
        const before = await page.textContent('.pagination span');
        await page.click('.pagination button:has-text("Next")');
        await page.waitForFunction((text) => document.querySelector('.pagination span')?.textContent !== text, before);
    }
}

/** Changes a filter on page 3 and checks that the list asked for page 1 with it, once. */
async function changeFilterOnPage3(page, pathname, change, expected) {
    await goToPage(page, 3);
    const requests = recordRequests(page, pathname);
    await change();
    await page.waitForFunction(() => /^Page 1 of/.test(document.querySelector('.pagination span')?.textContent ?? ''));
    // A second, late request (the old page reset one tick later) would arrive by now.
    await page.waitForTimeout(500);
    requests.stop();
    assert.equal(requests.seen.length, 1, `one request, not ${JSON.stringify(requests.seen)}`);
    assert.equal(requests.seen[0].page, '1', `page 1 asked for, not ${JSON.stringify(requests.seen)}`);
    for (const [key, value] of Object.entries(expected)) {
        if (value instanceof RegExp) assert.match(requests.seen[0][key] ?? '', value, key);
        else assert.equal(requests.seen[0][key], value, key);
    }
}

test('changing a filter on page 3 asks for page 1 of the new selection only, never the old page', async () => {
    const server = await serverWithAdmin();
    // Five pages of jobs (25 a page), and more than 100 audit entries (50 a page): every
    // creation is audited.
    for (let n = 1; n <= 110; n++) await seedJob(server, { name: `bulk job ${String(n).padStart(3, '0')}` });
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD, server.base);
    await page.waitForSelector('.tiles');

    await page.click('nav >> text=Jobs');
    await page.waitForSelector('table.jobs');
    await changeFilterOnPage3(page, '/api/v1/jobs', () => page.selectOption('#f-backup_tool', 'robocopy'), { backup_tool: 'robocopy' });
    await changeFilterOnPage3(page, '/api/v1/jobs', () => page.fill('#f-q', 'bulk job'), { backup_tool: 'robocopy', q: 'bulk job' });

    await page.click('nav >> text=Audit log');
    await page.waitForSelector('table.audit');
    await changeFilterOnPage3(page, '/api/v1/audit-log', () => page.fill('#f-action', 'job.create'), { action: 'job.create' });
    await changeFilterOnPage3(page, '/api/v1/audit-log', () => page.fill('#f-audit-from', '2020-01-01'), {
        action: 'job.create',
        from: /^2019-12-31T15:00:00/, // the start of that day in the browser's zone (Asia/Tokyo)
    });
    assert.deepEqual(page.errors, []);
});

test('switching to Japanese relabels the UI and is remembered', async () => {
    const server = await serverWithAdmin();
    const job = await seedJob(server, { copies: true });
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD, server.base);
    await page.waitForSelector('.tiles');
    await page.selectOption('#language', 'ja');
    await page.waitForFunction(() => document.querySelector('nav')?.textContent.includes('ジョブ'));
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.match(await page.textContent('h1'), /ダッシュボード/);
    await page.click('nav >> text=ジョブ');
    await page.waitForSelector('table.jobs');
    assert.match(await page.textContent('table.jobs thead'), /状態/);
    assert.match(await page.textContent('table.jobs tbody'), /正常/, 'state badge in Japanese');
    await shot(page, '11-jobs-ja');
    await page.reload();
    await page.waitForSelector('table.jobs');
    assert.match(await page.textContent('nav'), /ダッシュボード/, 'the choice survives a reload');
    await page.goto(job.url);
    await page.waitForSelector('li.rule');
    assert.match(await page.textContent('li.rule[data-rule=copies]'), /データのコピーが3つ/);
    await shot(page, '12-job-detail-ja');
});

test('a browser whose language is Japanese starts in Japanese', async () => {
    const { base } = await startServer();
    const page = await newPage({ locale: 'ja-JP' });
    await page.goto(`${base}/login`);
    await page.waitForSelector('form');
    assert.match(await page.textContent('h1'), /ログイン/);
});

test('the SPA is served with the security headers, immutable hashed assets and an uncached index', async () => {
    const { base } = await startServer();
    const index = await fetch(`${base}/jobs/42`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp, /unsafe-inline[^;]*;.*script/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const wasm = html.match(/data-wasm="([^"]+)"/)[1];
    const asset = await fetch(`${base}${wasm}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'application/wasm');
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
    const missingApi = await fetch(`${base}/api/v1/no-such-route`);
    assert.equal(missingApi.status, 404);
    assert.equal((await missingApi.json()).error.code, 'not_found');
});

test('sign-in and the dashboard come with the first load; other screens fetch their chunk when first shown', async () => {
    const server = await serverWithAdmin();
    const page = await newPage();
    const modules = [];
    page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.endsWith('.wasm')) modules.push(path);
    });
    await login(page, 'admin', ADMIN_PASSWORD, server.base);
    await page.waitForSelector('.tiles');
    assert.equal(modules.length, 1, `only the main module for sign-in and the dashboard: ${modules}`);

    await page.click('nav >> text=Jobs');
    await page.waitForSelector('table.jobs, .empty');
    const jobScreens = modules.find((path) => /^\/split_job_screen_\d+-[0-9a-f]{16}\.wasm$/.test(path));
    assert.ok(jobScreens, `the job screens' chunk was fetched: ${modules}`);
    const afterJobs = modules.length;
    await page.click('nav >> text=Executions');
    await page.waitForSelector('table.executions, .empty');
    assert.equal(modules.length, afterJobs, 'the results list comes with the job screens');

    await page.click('nav >> text=Users');
    await page.waitForSelector('table.users');
    assert.ok(modules.some((path) => /^\/split_admin_screen_\d+-[0-9a-f]{16}\.wasm$/.test(path)), `the administration chunk: ${modules}`);
    assert.equal(new Set(modules).size, modules.length, 'no module fetched twice');

    // Chunks are content-hashed: served as WebAssembly, cached as immutable.
    const chunk = await fetch(`${server.base}${jobScreens}`);
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers.get('content-type'), 'application/wasm');
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(page.errors, []);
});

test('with one-minute access tokens every call refreshes first, one at a time, and the session survives', async () => {
    // ACCESS_TOKEN_MINUTES=1 is inside the UI's 60-second refresh margin, so each request
    // refreshes before it is sent. The dashboard sends two at once: if refreshes were not
    // serialised, both would present the same refresh token, and reuse detection would
    // revoke the session.
    const short = await startServer({ ACCESS_TOKEN_MINUTES: '1', SESSION_IDLE_TIMEOUT_MINUTES: '5' });
    const page = await newPage();
    await login(page, 'admin', short.password, short.base);
    await page.waitForURL(`${short.base}/change-password`);
    await page.fill('#f-current_password', short.password);
    await page.fill('#f-new_password', ADMIN_PASSWORD);
    await page.fill('#f-repeat_password', ADMIN_PASSWORD);
    await page.click('form button[type=submit]');
    await page.waitForSelector('.tiles');
    for (const screen of ['Jobs', 'Executions', 'Dashboard', 'Users', 'Audit log', 'Dashboard']) {
        await page.click(`nav >> text=${screen}`);
        await page.waitForSelector('table, .tiles, .empty');
    }
    await page.click('button:has-text("Refresh")');
    await page.waitForSelector('.tiles');
    assert.equal(await page.locator('.notice').count(), 0, 'still signed in');
    assert.match(page.url(), new RegExp(`^${short.base}/$`));
    // The server saw many refreshes (its own request metrics) and no refresh-token reuse.
    const metrics = await (await fetch(`${short.base}/metrics`)).text();
    const refreshes = Number(metrics.match(/bms_http_requests_total\{method="POST",route="\/api\/v1\/auth\/refresh",status="200"\} (\d+)/)?.[1] ?? 0);
    assert.ok(refreshes >= 6, `expected a refresh before each request, saw ${refreshes}`);
    const { body: session } = await api('/api/v1/auth/login', { method: 'POST', body: { username: 'admin', password: ADMIN_PASSWORD } }, short.base);
    const { body: reuse } = await api('/api/v1/audit-log?action=auth.refresh_token_reuse', { token: session.access_token }, short.base);
    assert.equal(reuse.meta.total, 0, 'no refresh token was presented twice');
    assert.deepEqual(page.errors, []);
});

test('thirty idle minutes without keyboard or mouse sign the person out with the reason', async () => {
    const { base } = await serverWithAdmin();
    const page = await newPage();
    // The page's clock is Playwright's: 31 minutes pass in an instant.
    await page.clock.install();
    await login(page, 'admin', ADMIN_PASSWORD, base);
    await page.waitForSelector('.tiles');
    await page.clock.fastForward('31:00');
    await page.waitForURL(`${base}/login`);
    assert.match(await page.textContent('.notice'), /signed out after 30 minutes without activity/);
    await shot(page, '13-signed-out-idle');
    // The UI forgot the session (and told the server): a reload stays on the sign-in page.
    await page.reload();
    await page.waitForSelector('form');
    assert.match(page.url(), /\/login$/);
});
