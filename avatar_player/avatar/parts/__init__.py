"""The parts of the splat head, each built from the anatomy, the style and a seeded stream."""
