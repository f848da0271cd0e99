"""An unmodified librdkafka client (Debian's python3-confluent-kafka) against
the local MSK-like environment in stock-client mode: OAUTHBEARER with the MSK
IAM token built by botocore the way aws-msk-iam-sasl-signer-python builds it,
TLS verified for the broker hostname, the idempotent producer on.

Usage: librdkafka_client.py CONFIG.json   (written by librdkafka_test.go)

It produces one record to every partition (partition i is led by broker i+1,
so every NLB stand-in carries traffic), consumes them back with a consumer
group that commits, and prints one JSON result line on stdout. With
"expect_tls_failure" it only connects, trusting another CA, and reports
whether librdkafka refused the brokers' certificate.
"""

import base64
import json
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote, urlparse

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

TOKEN_EXPIRY_SECONDS = 900  # the signer's default


def msk_iam_token(region, creds):
    """The MSK IAM token: a SigV4 presigned GET of
    https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect for
    the kafka-cluster service, valid 900 s, with a User-Agent parameter
    added after signing, base64url-encoded without padding. Returns the
    token and its expiry in milliseconds since the epoch."""
    req = AWSRequest(
        method="GET",
        url="https://kafka.{}.amazonaws.com/".format(region),
        params={"Action": "kafka-cluster:Connect"},
    )
    SigV4QueryAuth(creds, "kafka-cluster", region, expires=TOKEN_EXPIRY_SECONDS).add_auth(req)
    signed = req.url + "&User-Agent=" + quote("localmsk-interop-librdkafka/1.0", safe="")
    q = parse_qs(urlparse(signed).query)
    signed_at = datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    expiry_ms = int((signed_at.timestamp() + int(q["X-Amz-Expires"][0])) * 1000)
    token = base64.urlsafe_b64encode(signed.encode("utf-8")).decode("utf-8").rstrip("=")
    return token, expiry_ms


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    creds = Credentials(cfg["access_key_id"], cfg["secret_access_key"], cfg["session_token"])
    errors = []

    def oauth_cb(_oauthbearer_config):
        token, expiry_ms = msk_iam_token(cfg["region"], creds)
        return token, expiry_ms / 1000.0

    def error_cb(err):
        errors.append(str(err))

    common = {
        "bootstrap.servers": cfg["bootstrap"],
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": oauth_cb,
        "error_cb": error_cb,
        "ssl.ca.location": cfg["ca_file"],
        "ssl.endpoint.identification.algorithm": "https",
        "client.id": "localmsk-interop",
        **({"debug": cfg["debug"]} if cfg.get("debug") else {}),
    }

    if cfg.get("expect_tls_failure"):
        p = Producer(dict(common))
        p.poll(0.5)  # serves oauth_cb
        deadline = time.time() + 20
        while time.time() < deadline and not errors:
            p.poll(0.2)
        print(json.dumps({"errors": errors}))
        return 0

    topic = cfg["topic"]
    producer = Producer(dict(common, **{"enable.idempotence": True, "acks": "all", "linger.ms": 5}))
    producer.poll(0.5)  # serves oauth_cb: librdkafka connects only once it has a token
    md = producer.list_topics(topic, timeout=20)
    leaders = {p: m.leader for p, m in md.topics[topic].partitions.items()}
    brokers = {b.id: "{}:{}".format(b.host, b.port) for b in md.brokers.values()}

    stamp = str(time.time_ns())
    delivered = {}

    def on_delivery(err, msg):
        if err is not None:
            errors.append("delivery to partition {}: {}".format(msg.partition(), err))
        else:
            delivered[msg.partition()] = msg.offset()

    want = {}
    for p in sorted(leaders):
        value = "librdkafka-{}-{}".format(p, stamp)
        want[p] = value
        producer.produce(topic, value=value.encode(), partition=p, on_delivery=on_delivery)
    left = producer.flush(30)
    if left:
        errors.append("{} records not delivered within 30s".format(left))

    consumer = Consumer(dict(common, **{
        "group.id": "localmsk-interop-" + stamp,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    }))
    consumer.assign([TopicPartition(topic, p, off) for p, off in delivered.items()])
    consumed = {}
    deadline = time.time() + 30
    while len(consumed) < len(delivered) and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                errors.append("consume: {}".format(msg.error()))
            continue
        consumed[msg.partition()] = msg.value().decode()
    committed = []
    if consumed:
        try:
            consumer.commit(asynchronous=False)
            committed = [tp.partition for tp in consumer.committed(
                [TopicPartition(topic, p) for p in consumed], timeout=10) if tp.offset >= 0]
        except Exception as e:  # noqa: BLE001 - reported, the Go test judges
            errors.append("commit: {}".format(e))
    consumer.close()

    print(json.dumps({
        "librdkafka": __import__("confluent_kafka").libversion()[0],
        "leaders": {str(k): v for k, v in leaders.items()},
        "brokers": {str(k): v for k, v in brokers.items()},
        "want": {str(k): v for k, v in want.items()},
        "delivered": {str(k): v for k, v in delivered.items()},
        "consumed": {str(k): v for k, v in consumed.items()},
        "committed": sorted(committed),
        "errors": errors,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
