// End-to-end tests of restore tests and offline media, in the SPA against the real server:
//   (a) a job with three current copies is non-compliant until a restore test is recorded
//       through the UI form (with a text attachment whose SHA-256 the page shows); then its
//       checklist and the dashboard count it compliant, and the evidence downloads intact;
//   (b) a stored tape is lent and returned in the UI, and its custody timeline shows both moves;
//   (c) the label print view shows the server's sheet (label text and an SVG QR code) and is
//       screenshotted with print media emulation.
// The shared harness (harness.mjs): each test runs its own bms on a fresh temporary
// database, serving dist/.
//
//   node --test frontend/e2e/media_restore.test.mjs
//
// Environment: BMS_BIN (default target/debug/bms), STATIC_DIR (default dist),
// CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (default artifacts/screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ADMIN_PASSWORD, SHOTS, api, launchBrowser, startServer, stopServers, within } from './harness.mjs';

const TIME_ZONE = 'Asia/Tokyo';
let browser;

/** A fresh server whose admin replaced the first password; `server.call` is the admin's API. */
async function serverWithAdmin() {
    const server = await startServer();
    const first = await api(server.base, '/api/v1/auth/login', { method: 'POST', body: { username: 'admin', password: server.password } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const changed = await api(server.base, '/api/v1/auth/change-password', {
        method: 'POST',
        token: first.body.access_token,
        body: { current_password: server.password, new_password: ADMIN_PASSWORD },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    server.call = (path, options = {}) => api(server.base, path, { token: changed.body.access_token, ...options });
    return server;
}

before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await stopServers();
});

/** A signed-in admin's page; console errors (other than expected 4xx loads) are collected. */
async function signedInPage(server) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: TIME_ZONE });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (error) => page.errors.push(error.message));
    page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) page.errors.push(message.text());
    });
    await page.goto(`${server.base}/login`);
    await page.fill('#f-username', 'admin');
    await page.fill('#f-password', ADMIN_PASSWORD);
    await page.click('form button[type=submit]');
    await page.waitForSelector('.tiles');
    return page;
}

const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** `YYYY-MM-DD` (and `THH:MM`) of an instant in Tokyo, as date and datetime-local inputs take it. */
function tokyo(instant) {
    return new Date(instant.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

test('a restore test recorded in the UI with evidence makes a job with three current copies compliant', async () => {
    const server = await serverWithAdmin();
    const job = await server.call('/api/v1/jobs', {
        method: 'POST',
        body: { name: 'erp-db-nightly', job_type: 'database', backup_tool: 'restic', target_server: 'erp-db01', cron_expression: '0 2 * * *', timezone: TIME_ZONE },
    });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    const jobId = job.body.id;
    // Three copies on two media types, one off site, one offline; a successful run on each.
    const definitions = [
        { copy_type: 'primary', media_type: 'disk', location: 'Tokyo DC' },
        { copy_type: 'secondary', media_type: 'disk', location: 'Osaka DR', offsite: true },
        { copy_type: 'offline', media_type: 'tape', location: 'Vault', offline: true },
    ];
    const copies = [];
    for (const definition of definitions) {
        const copy = await server.call(`/api/v1/jobs/${jobId}/copies`, { method: 'POST', body: definition });
        assert.equal(copy.status, 201, JSON.stringify(copy.body));
        copies.push(copy.body);
        const finished = new Date();
        const run = await server.call('/api/v1/executions', {
            method: 'POST',
            body: { job_id: jobId, copy_id: copy.body.id, result: 'success', started_at: new Date(finished.getTime() - 60000).toISOString(), finished_at: finished.toISOString() },
        });
        assert.equal(run.status, 201, JSON.stringify(run.body));
    }
    const offline = copies[2];
    await within(15000, async () => (await server.call(`/api/v1/jobs/${jobId}`)).body.status?.state === 'up', 'the job to be Up');
    // Only the "0" is missing: never tested, with the default 90-day requirement.
    const before = await server.call(`/api/v1/jobs/${jobId}/compliance`);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.notEqual(before.body.status, 'compliant', JSON.stringify(before.body));
    const zeroBefore = before.body.rules.find((rule) => rule.rule === 'zero_errors');
    assert.notEqual(zeroBefore.outcome, 'pass', JSON.stringify(zeroBefore));
    for (const rule of before.body.rules.filter((rule) => rule.rule !== 'zero_errors')) {
        assert.equal(rule.outcome, 'pass', `the other rules pass already: ${JSON.stringify(rule)}`);
    }
    const status = await server.call(`/api/v1/jobs/${jobId}/restore-status`);
    assert.equal(status.body.reason, 'never_tested', JSON.stringify(status.body));

    const page = await signedInPage(server);
    // The job page says why, and links to the form with the job chosen.
    await page.goto(`${server.base}/jobs/${jobId}`);
    await page.waitForSelector('[data-testid="restore-status"][data-reason="never_tested"]');
    await page.click('[data-testid="job-record-restore"]');
    await page.waitForURL(`${server.base}/restore-tests/new?job_id=${jobId}`);
    await page.waitForSelector(`#f-job_id option[value="${jobId}"]`, { state: 'attached' });
    assert.equal(await page.inputValue('#f-job_id'), String(jobId), 'the job is preselected');
    await page.waitForSelector(`#f-copy_id option[value="${offline.id}"]`, { state: 'attached' });
    await page.selectOption('#f-copy_id', String(offline.id));
    await page.selectOption('#f-test_type', 'full_restore');
    await page.selectOption('#f-result', 'passed');
    const now = new Date();
    await page.fill('#f-started_at', tokyo(new Date(now.getTime() - 45 * 60000)));
    await page.fill('#f-finished_at', tokyo(new Date(now.getTime() - 5 * 60000)));
    await page.fill('#f-target_environment', 'isolated lab VLAN 30');
    await page.fill('#f-bytes_restored', '1073741824');
    await page.fill('#f-files_restored', '1200');
    await page.fill('#f-rto_achieved_minutes', '40');
    await page.fill('#f-notes', 'restored to erp-db-lab and ran the month-end report');
    const evidence = `restic restore latest --target /restore\nrestored 1200 files, 1.000 GiB in 40:02\n${now.toISOString()}\n`;
    await page.setInputFiles('#f-attachments', { name: 'restore-log.txt', mimeType: 'text/plain', buffer: Buffer.from(evidence) });
    await shot(page, 'restore-01-form');
    await page.click('#restore-form button[type=submit]');

    await page.waitForSelector('[data-testid="restore-recorded"]');
    const upload = page.locator('[data-testid="upload"]');
    assert.equal(await upload.count(), 1);
    assert.equal(await upload.getAttribute('data-state'), 'stored', await upload.textContent());
    const sha256 = createHash('sha256').update(evidence).digest('hex');
    assert.equal((await page.textContent('[data-testid="upload-sha256"]')).trim(), sha256, 'the page shows the SHA-256 of the file as sent');
    await shot(page, 'restore-02-recorded');

    const tests = await server.call(`/api/v1/restore-tests?job_id=${jobId}`);
    assert.equal(tests.status, 200, JSON.stringify(tests.body));
    assert.equal(tests.body.data.length, 1, JSON.stringify(tests.body));
    const recorded = tests.body.data[0];
    assert.equal(recorded.copy_id, offline.id);
    assert.equal(recorded.test_type, 'full_restore');
    assert.equal(recorded.result, 'passed');
    assert.equal(recorded.target_environment, 'isolated lab VLAN 30');
    assert.equal(recorded.bytes_restored, 1073741824);
    assert.equal(recorded.files_restored, 1200);
    assert.equal(recorded.rto_achieved_minutes, 40);
    assert.equal(recorded.tester, 'admin');
    assert.equal(recorded.attachments.length, 1);
    assert.equal(recorded.attachments[0].filename, 'restore-log.txt');
    assert.equal(recorded.attachments[0].sha256, sha256);

    // The test's page lists the evidence; the download is the file as uploaded.
    await page.click('[data-testid="restore-recorded-link"]');
    await page.waitForURL(`${server.base}/restore-tests/${recorded.id}`);
    await page.waitForSelector('[data-testid="attachment-sha256"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="attachment-download"]')]);
    assert.equal(download.suggestedFilename(), 'restore-log.txt');
    assert.equal(readFileSync(await download.path(), 'utf8'), evidence);

    // The job page: the restore half verified, the whole checklist compliant.
    await page.goto(`${server.base}/jobs/${jobId}`);
    await page.waitForSelector('[data-testid="restore-status"][data-outcome="pass"][data-reason="restore_verified"]');
    await page.waitForSelector('li.rule[data-rule="zero_errors"].outcome-pass');
    for (const rule of ['copies', 'media_types', 'offsite', 'offline_or_immutable', 'zero_errors']) {
        assert.match(await page.getAttribute(`li.rule[data-rule="${rule}"]`, 'class'), /outcome-pass/, rule);
    }
    await page.waitForSelector('.page-head h1 .compliance-compliant');
    assert.match(await page.textContent('li.rule[data-rule="zero_errors"]'), new RegExp(`#${recorded.id}`), 'the evidence names the test');
    await shot(page, 'restore-03-job-compliant');

    // The dashboard counts it compliant.
    await page.goto(`${server.base}/`);
    await page.waitForSelector('[data-testid="compliance-tile"][data-compliant="1"]');
    assert.match(await page.textContent('[data-testid="compliance-tile"]'), /1 compliant/);
    const summary = await server.call('/api/v1/dashboard/summary');
    assert.equal(summary.body.compliance.compliant, 1, JSON.stringify(summary.body.compliance));
    assert.equal(summary.body.compliance.non_compliant, 0, JSON.stringify(summary.body.compliance));
    await shot(page, 'restore-04-dashboard');
    assert.deepEqual(page.errors, [], 'no errors in the browser console');
});

test('a stored tape is lent and returned in the UI; the custody timeline shows both moves', async () => {
    const server = await serverWithAdmin();
    const created = await server.call('/api/v1/media', {
        method: 'POST',
        body: { label: 'TAPE-0001', barcode: 'TAPE0001L9', media_kind: 'lto', lto_generation: 9, state: 'stored', location: 'Vault A', custodian: 'ops' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const medium = created.body;
    assert.equal(medium.state, 'stored');
    assert.ok(medium.allowed_actions.includes('lend'), JSON.stringify(medium.allowed_actions));

    const page = await signedInPage(server);
    await page.goto(`${server.base}/media`);
    const row = page.locator(`tr[data-medium-id="${medium.id}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'stored');
    await row.locator(`a[href="/media/${medium.id}"]`).click();
    await page.waitForURL(`${server.base}/media/${medium.id}`);
    await page.waitForSelector('[data-testid="medium-state"][data-state="stored"]');
    await page.waitForSelector('[data-testid="medium-qr"]');
    // Only legal moves are offered: a stored tape cannot be written before it is released.
    assert.equal(await page.locator('[data-testid="medium-action-write"]').count(), 0);
    assert.equal(await page.locator('[data-testid="medium-action-return"]').count(), 0);

    await page.click('[data-testid="medium-action-lend"]');
    await page.fill('#f-borrower', 'Audit team');
    await page.fill('#f-purpose', 'restore drill');
    const expected = tokyo(new Date(Date.now() + 7 * 24 * 3600 * 1000)).slice(0, 10);
    await page.fill('#f-expected_return', expected);
    await page.click('#medium-action-form button[type=submit]');
    await page.waitForSelector('[data-testid="medium-state"][data-state="lent"]');
    const loan = await page.textContent('[data-testid="medium-loan"]');
    assert.match(loan, /Audit team/);
    assert.match(loan, new RegExp(expected));
    assert.equal(await page.locator('[data-testid="medium-action-return"]').count(), 1, 'a lent tape can be returned');
    assert.equal(await page.locator('[data-testid="medium-action-lend"]').count(), 0, 'and nothing else');
    await shot(page, 'media-01-lent');
    const lent = await server.call(`/api/v1/media/${medium.id}`);
    assert.equal(lent.body.state, 'lent', JSON.stringify(lent.body));
    assert.equal(lent.body.loan.borrower, 'Audit team');
    assert.equal(lent.body.loan.expected_return, expected);

    await page.click('[data-testid="medium-action-return"]');
    await page.selectOption('#f-condition', 'good');
    await page.click('#medium-action-form button[type=submit]');
    await page.waitForSelector('[data-testid="medium-state"][data-state="stored"]');
    assert.equal(await page.locator('[data-testid="medium-loan"]').count(), 0, 'no open loan after the return');

    const moves = await page.locator('[data-testid="custody-timeline"] li').evaluateAll((items) =>
        items.map((item) => ({ action: item.dataset.action, to: item.dataset.toState })));
    const lend = moves.findIndex((move) => move.action === 'lend');
    const back = moves.findIndex((move) => move.action === 'return');
    assert.ok(lend >= 0 && back > lend, `lend then return in the timeline: ${JSON.stringify(moves)}`);
    assert.equal(moves[lend].to, 'lent');
    assert.equal(moves[back].to, 'stored', 'the return goes back to where the loan started');
    assert.match(await page.textContent('[data-testid="custody-timeline"]'), /Audit team|admin/);
    await shot(page, 'media-02-returned');

    const custody = await server.call(`/api/v1/media/${medium.id}/custody`);
    assert.equal(custody.status, 200, JSON.stringify(custody.body));
    assert.deepEqual(custody.body.records.slice(-2).map((record) => record.action), ['lend', 'return']);
    assert.equal(custody.body.medium.loan, null);
    assert.deepEqual(page.errors, [], 'no errors in the browser console');
});

test('the label print view shows the sheet with the label and its QR code, printed without the app around it', async () => {
    const server = await serverWithAdmin();
    const created = await server.call('/api/v1/media', {
        method: 'POST',
        body: { label: 'TAPE-0042', barcode: 'TAPE0042L9', media_kind: 'lto', lto_generation: 9, location: 'Vault A' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const sheet = await server.call(`/api/v1/media/labels?ids=${id}`);
    assert.equal(sheet.status, 200);
    assert.match(sheet.type, /text\/html/);

    const page = await signedInPage(server);
    await page.goto(`${server.base}/media`);
    await page.locator(`tr[data-medium-id="${id}"] [data-testid="medium-select"]`).check();
    await page.click('[data-testid="media-print-selected"]');
    await page.waitForURL(`${server.base}/media/labels?ids=${id}`);
    const frame = page.frameLocator('[data-testid="label-sheet"]');
    await frame.locator('svg').first().waitFor();
    assert.ok(await frame.locator('svg').count() >= 1, 'the sheet has an SVG (the QR code)');
    assert.match(await frame.locator('body').innerText(), /TAPE-0042/);

    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.topbar').isVisible(), false, 'the app bar is not printed');
    assert.equal(await page.locator('[data-testid="labels-print"]').isVisible(), false, 'nor the buttons');
    assert.equal(await page.locator('[data-testid="label-sheet"]').isVisible(), true, 'the sheet is');
    await shot(page, 'media-03-labels-print');
    await page.emulateMedia({ media: 'screen' });
    assert.deepEqual(page.errors, [], 'no errors in the browser console');
});
