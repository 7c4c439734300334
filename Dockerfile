# Multi-stage build: a static bizy binary (pure Go, no cgo: the SQLite
# driver is modernc.org/sqlite) on a distroless base, run as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bizy ./cmd/bizy \
 && mkdir -p -m 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bizy /bizy
# The embedded default (SQLite, .eml mail) lives here; owned by the
# distroless nonroot user so a fresh volume is writable, and 0700 since
# bizy refuses a DATA_DIR that group or others can read.
COPY --from=build --chown=65532:65532 /out/data /data
ENV DATA_DIR=/data
VOLUME ["/data"]
# The distroless nonroot user, by number: Kubernetes' runAsNonRoot can only
# verify a numeric USER.
USER 65532:65532
EXPOSE 4567 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/bizy", "health", "http://127.0.0.1:4567/health"]
ENTRYPOINT ["/bizy"]
CMD ["serve"]
