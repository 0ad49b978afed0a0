# Wave's own image: Node + the built CLI, for running Wave in CI (mount the engine's socket) and for helper
# containers Wave needs. Built from the host's checkout after `make build`, so no registry or compiler is needed
# inside the build (air-gapped runners):  make build && docker build -t wave/wave .
ARG BASE_IMAGE=wave/base:latest
FROM ${BASE_IMAGE}
USER root
WORKDIR /opt/wave
COPY package.json package-lock.json ./
COPY node_modules/ node_modules/
COPY bin/ bin/
COPY dist/ dist/
COPY defaults/ defaults/
COPY images/ images/
COPY sandbox-profiles/ sandbox-profiles/
COPY src/config/schemas/ src/config/schemas/
RUN ln -s /opt/wave/bin/wave.js /usr/local/bin/wave && wave --version
WORKDIR /work
ENTRYPOINT ["/usr/bin/tini", "--", "wave"]
CMD ["--help"]
