"""Every OpenGL call of the renderer (GL 3.3 core), behind a few small functions.

Nothing here creates a context: the caller makes one current first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OpenGL import GL

from avatar_player.render.shaders import CORNERS, TEXTURE_WIDTH


def renderer_name() -> str:
    """GL_RENDERER of the current context, e.g. 'llvmpipe (LLVM 15.0.6, 256 bits)'."""
    return GL.glGetString(GL.GL_RENDERER).decode(errors="replace")


def compile_program(vertex_source: str, fragment_source: str) -> int:
    """A linked program; raises RuntimeError with the driver log on failure."""
    shaders = []
    for kind, source in (
        (GL.GL_VERTEX_SHADER, vertex_source),
        (GL.GL_FRAGMENT_SHADER, fragment_source),
    ):
        shader = GL.glCreateShader(kind)
        GL.glShaderSource(shader, source)
        GL.glCompileShader(shader)
        if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
            raise RuntimeError(f"shader compile failed: {GL.glGetShaderInfoLog(shader).decode()}")
        shaders.append(shader)
    program = GL.glCreateProgram()
    for shader in shaders:
        GL.glAttachShader(program, shader)
    GL.glLinkProgram(program)
    for shader in shaders:
        GL.glDeleteShader(shader)
    if not GL.glGetProgramiv(program, GL.GL_LINK_STATUS):
        raise RuntimeError(f"program link failed: {GL.glGetProgramInfoLog(program).decode()}")
    return program


class Uniforms:
    """Setters for a program's uniforms (the program must be in use)."""

    def __init__(self, program: int) -> None:
        self._program = program
        self._locations: dict[str, int] = {}

    def _location(self, name: str) -> int:
        if name not in self._locations:
            self._locations[name] = GL.glGetUniformLocation(self._program, name)
        return self._locations[name]

    def matrix(self, name: str, value: np.ndarray) -> None:
        GL.glUniformMatrix4fv(self._location(name), 1, GL.GL_TRUE, value.astype(np.float32))

    def vector(self, name: str, value: np.ndarray) -> None:
        GL.glUniform4fv(self._location(name), 1, value.astype(np.float32))

    def scalar(self, name: str, value: float) -> None:
        GL.glUniform1f(self._location(name), value)

    def sampler(self, name: str, unit: int) -> None:
        GL.glUniform1i(self._location(name), unit)


class RowTexture:
    """An RGBA32F texture holding `texels` RGBA rows, TEXTURE_WIDTH per texture row."""

    def __init__(self, texels: int) -> None:
        self.texels = texels
        self._rows = max(1, -(-texels // TEXTURE_WIDTH))
        self._staging = np.zeros((self._rows * TEXTURE_WIDTH, 4), dtype=np.float32)
        self.id = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)
        for parameter in (GL.GL_TEXTURE_MIN_FILTER, GL.GL_TEXTURE_MAG_FILTER):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, parameter, GL.GL_NEAREST)
        GL.glTexImage2D(
            GL.GL_TEXTURE_2D, 0, GL.GL_RGBA32F, TEXTURE_WIDTH, self._rows, 0,
            GL.GL_RGBA, GL.GL_FLOAT, self._staging,
        )  # fmt: skip

    def upload(self, *columns: np.ndarray) -> None:
        """Replace the contents with `columns`, (n, 3 or 4) float values each, interleaved:
        texel k*i + j holds row i of column j (k columns; no stacked copy made first)."""
        count = len(columns[0])
        texels = self._staging[: count * len(columns)].reshape(count, len(columns), 4)
        for j, column in enumerate(columns):
            texels[:, j, : column.shape[1]] = column
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)
        GL.glTexSubImage2D(
            GL.GL_TEXTURE_2D, 0, 0, 0, TEXTURE_WIDTH, self._rows, GL.GL_RGBA, GL.GL_FLOAT,
            self._staging,
        )  # fmt: skip

    def bind(self, unit: int) -> None:
        GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)

    def delete(self) -> None:
        GL.glDeleteTextures([self.id])


class SplatOrder:
    """The draw order of up to `count` splats: one triangle each, its CORNERS vertices
    carrying the splat's index (location 0; the corner is gl_VertexID % CORNERS).
    `drawn`: splats the last upload held."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.drawn = count
        self.vao = GL.glGenVertexArrays(1)
        self.buffer = GL.glGenBuffers(1)
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.buffer)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, count * CORNERS * 4, None, GL.GL_STREAM_DRAW)
        GL.glEnableVertexAttribArray(0)
        GL.glVertexAttribIPointer(0, 1, GL.GL_UNSIGNED_INT, 0, None)
        GL.glBindVertexArray(0)

    def upload(self, order: np.ndarray) -> None:
        vertices = np.repeat(order.astype(np.uint32, copy=False), CORNERS)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.buffer)
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, vertices.nbytes, vertices)
        self.drawn = len(order)

    def delete(self) -> None:
        GL.glDeleteVertexArrays(1, [self.vao])
        GL.glDeleteBuffers(1, [self.buffer])


@dataclass(frozen=True)
class Framebuffer:
    """A framebuffer object with an RGBA8 colour renderbuffer."""

    id: int
    renderbuffer: int
    width: int
    height: int

    @staticmethod
    def create(width: int, height: int) -> Framebuffer:
        """A new framebuffer (the caller's framebuffer binding is kept)."""
        previous = GL.glGetIntegerv(GL.GL_FRAMEBUFFER_BINDING)
        renderbuffer = GL.glGenRenderbuffers(1)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, renderbuffer)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_RGBA8, width, height)
        framebuffer = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, framebuffer)
        GL.glFramebufferRenderbuffer(
            GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, renderbuffer
        )
        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, int(previous))
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"framebuffer incomplete: 0x{status:x}")
        return Framebuffer(int(framebuffer), int(renderbuffer), width, height)

    def delete(self) -> None:
        GL.glDeleteFramebuffers(1, [self.id])
        GL.glDeleteRenderbuffers(1, [self.renderbuffer])


def begin_frame(framebuffer: int, width: int, height: int, background: tuple[float, ...]) -> None:
    """Bind `framebuffer`, set the viewport and clear it to the opaque `background` RGB."""
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, framebuffer)
    GL.glViewport(0, 0, width, height)
    GL.glClearColor(*background[:3], 1.0)
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)


def draw_splats(program: int, index: SplatOrder) -> None:
    """Draw one triangle per splat in the index's order, blending premultiplied colour."""
    GL.glUseProgram(program)
    GL.glDisable(GL.GL_DEPTH_TEST)
    GL.glDisable(GL.GL_CULL_FACE)
    GL.glEnable(GL.GL_BLEND)
    GL.glBlendFunc(GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
    GL.glBindVertexArray(index.vao)
    GL.glDrawArrays(GL.GL_TRIANGLES, 0, CORNERS * index.drawn)
    GL.glBindVertexArray(0)
    GL.glDisable(GL.GL_BLEND)


def use_program(program: int) -> None:
    GL.glUseProgram(program)


def blit(source: Framebuffer, target: int, width: int, height: int) -> None:
    """Scale `source` (linear filtering) onto the whole of framebuffer `target`."""
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, source.id)
    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, target)
    GL.glBlitFramebuffer(
        0, 0, source.width, source.height, 0, 0, width, height,
        GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR,
    )  # fmt: skip
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)


def read_pixels(framebuffer: int, width: int, height: int) -> np.ndarray:
    """RGBA bytes of `framebuffer`, (height, width, 4), top row first."""
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, framebuffer)
    GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
    data = GL.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 4)[::-1].copy()


def finish() -> None:
    """Wait until the GPU has executed every command."""
    GL.glFinish()


def delete_program(program: int) -> None:
    GL.glDeleteProgram(program)
