"""/api/v1/endpoints: the endpoints whose capture schedules monitor (list, describe, register, delete)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from modelmonitor.api.auth import admin, service_of, viewer
from modelmonitor.api.models import EndpointRequest
from modelmonitor.service import Endpoint

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/endpoints", tags=["endpoints"])


@router.get("", dependencies=[Depends(viewer)])
def list_endpoints(request: Request) -> list[Endpoint]:
    return service_of(request).list_endpoints()


@router.get("/{name}", dependencies=[Depends(viewer)])
def describe_endpoint(request: Request, name: str) -> Endpoint:
    return service_of(request).describe_endpoint(name)


@router.post("", status_code=201, dependencies=[Depends(admin)])
def register_endpoint(request: Request, body: EndpointRequest) -> Endpoint:
    return service_of(request).register_endpoint(
        body.name, body.capture_destination, body.variants, source="api"
    )


@router.delete("/{name}", status_code=204, dependencies=[Depends(admin)])
def delete_endpoint(request: Request, name: str) -> Response:
    service_of(request).delete_endpoint(name)
    return Response(status_code=204)
