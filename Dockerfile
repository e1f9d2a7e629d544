# syntax=docker/dockerfile:1
# Multi-stage build: a static naftiko binary on an empty, non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/naftiko-go/naftiko/internal/cli.Version=${VERSION}" \
      -o /out/naftiko ./cmd/naftiko

FROM scratch
# CA certificates so that https upstreams can be verified.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/naftiko /naftiko
COPY capabilities/ /capabilities/
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/naftiko", "serve", "--address", "0.0.0.0"]
CMD ["/capabilities/logto-organization-invitations.yaml"]
