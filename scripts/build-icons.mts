// `npm run icons`: renders resources/icon.svg, the one source of ConvLab's icon, into the PNGs
// electron-builder packs (resources/build): icons/NxN.png for Linux, icon.png (1024 px) from
// which it makes the Windows .ico and the macOS .icns.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const

const root = join(import.meta.dirname, '..')
const source = join(root, 'resources', 'icon.svg')
const out = join(root, 'resources', 'build')

mkdirSync(join(out, 'icons'), { recursive: true })
for (const size of ICON_SIZES) {
  // Rendered at the target density rather than scaled down from 1024 px, so small sizes stay sharp.
  await sharp(source, { density: (72 * size) / 1024 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(join(out, 'icons', `${size}x${size}.png`))
}
await sharp(join(out, 'icons', '1024x1024.png')).toFile(join(out, 'icon.png'))
console.log(`Icons written to ${out}: ${ICON_SIZES.join(', ')} px and icon.png`)
