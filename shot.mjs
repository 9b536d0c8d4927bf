import { chromium } from 'playwright-core'
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } })
const errors = []
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
page.on('pageerror', (e) => errors.push(String(e)))
await page.goto(process.argv[2])
await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 })
await page.waitForTimeout(8000)
await page.screenshot({ path: process.argv[3], fullPage: false })
console.log('errors', errors)
await browser.close()
